/**
 * autostack as a library: the pure decisions (plan, health, settings, config)
 * and the building blocks of a run, for tools that embed it. The CLI is
 * `main.ts`.
 * @module
 */
export { main, runOnce, type RunReport, VERSION } from "./lib/app.ts";
export { type Command, parseCommand } from "./lib/cli.ts";
export { type Config, configPath, loadConfig, parseConfig } from "./lib/config/config.ts";
export {
  AutostackError,
  ComposeError,
  ConfigError,
  GitError,
  LockedError,
  StackError,
  UsageError,
} from "./lib/errors.ts";
export { discoverStacks, normalizeName, type Stack } from "./lib/repo/discover.ts";
export { type PlanItem, planRun, type PlanStatus } from "./lib/deploy/plan.ts";
export { describeFaults, evaluateHealth, type Verdict, waitHealthy } from "./lib/docker/health.ts";
export {
  type DeploySettings,
  loadSettings,
  parseSettings,
  type SettingsResult,
} from "./lib/config/settings.ts";
export { type HistoryEntry, readHistory, type Result } from "./lib/state/history.ts";
export { type BadMark, readBad } from "./lib/state/bad.ts";
export { parseDuration } from "./lib/duration.ts";
export { redact } from "./lib/redact.ts";
export {
  type Finding,
  type Level,
  type Rule,
  validateCheckout,
  type ValidateOptions,
  type ValidateReport,
} from "./lib/validate/validate.ts";
export {
  formatReport,
  type ReportJson,
  reportJson,
  summarize,
  type Summary,
} from "./lib/validate/report.ts";
export { decideNotifications, Notifier, type NotifyDecision } from "./lib/notify/notifier.ts";
export { buildRequest, guessFormat, type NotifyEvent } from "./lib/notify/formats.ts";
export { handlePush, verifyPush } from "./lib/watch/webhook.ts";
export { Scheduler, watchCommand } from "./lib/watch/watch.ts";
