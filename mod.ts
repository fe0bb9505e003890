/**
 * autostack as a library: the pure decisions (plan, health, settings, config)
 * and the building blocks of a run, for tools that embed it. The CLI is
 * `main.ts`.
 * @module
 */
export { main, runOnce, type RunReport, VERSION } from "./lib/app.ts";
export { type Command, parseCommand } from "./lib/cli.ts";
export { type Config, configPath, loadConfig, parseConfig } from "./lib/config.ts";
export {
  AutostackError,
  ComposeError,
  ConfigError,
  GitError,
  LockedError,
  StackError,
  UsageError,
} from "./lib/errors.ts";
export { discoverStacks, normalizeName, type Stack } from "./lib/discover.ts";
export { type PlanItem, planRun, type PlanStatus } from "./lib/plan.ts";
export { describeFaults, evaluateHealth, type Verdict, waitHealthy } from "./lib/health.ts";
export {
  type DeploySettings,
  loadSettings,
  parseSettings,
  type SettingsResult,
} from "./lib/settings.ts";
export { type HistoryEntry, readHistory, type Result } from "./lib/history.ts";
export { type BadMark, readBad } from "./lib/bad.ts";
export { parseDuration } from "./lib/duration.ts";
export { redact } from "./lib/redact.ts";
export {
  type Finding,
  type Level,
  type Rule,
  validateCheckout,
  type ValidateOptions,
  type ValidateReport,
} from "./lib/validate.ts";
export {
  formatReport,
  type ReportJson,
  reportJson,
  summarize,
  type Summary,
} from "./lib/validate_report.ts";
export { decideNotifications, Notifier, type NotifyDecision } from "./lib/notify.ts";
export { buildRequest, guessFormat, type NotifyEvent } from "./lib/notify_formats.ts";
export { handlePush, verifyPush } from "./lib/webhook.ts";
export { Scheduler, watchCommand } from "./lib/watch.ts";
