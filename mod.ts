/**
 * autostack as a library: the pure decisions (plan, health, settings, config)
 * and the building blocks of a run, for tools that embed it. The CLI is
 * `main.ts`.
 * @module
 */
export { main } from "./lib/app.ts";
export { VERSION } from "./lib/about.ts";
export { runOnce, type RunReport } from "./lib/commands/mod.ts";
export {
  BadClearJsonSchema,
  BadListJsonSchema,
  ErrorJsonSchema,
  HistoryJsonSchema,
  MarkJsonSchema,
  OutcomeJsonSchema,
  PlanJsonSchema,
  RunJsonSchema,
  SCHEMA_VERSION,
  StatusJsonSchema,
} from "./lib/commands/mod.ts";
export type {
  BadClearJson,
  BadListJson,
  ErrorJson,
  HistoryJson,
  MarkJson,
  OutcomeJson,
  PlanJson,
  RunJson,
  StatusJson,
} from "./lib/commands/mod.ts";
export { type Command, parseCommand } from "./lib/cli.ts";
export { type Config, configPath, loadConfig, parseConfig } from "./lib/config/mod.ts";
export {
  AutostackError,
  ComposeError,
  ConfigError,
  GitError,
  LockedError,
  StackError,
  UsageError,
} from "./lib/errors.ts";
export { discoverStacks, type Stack } from "./lib/repo/mod.ts";
export { normalizeName } from "./lib/names.ts";
export { type PlanItem, planRun, type PlanStatus } from "./lib/deploy/mod.ts";
export { describeFaults, evaluateHealth, type Verdict, waitHealthy } from "./lib/docker/mod.ts";
export {
  type DeploySettings,
  loadSettings,
  parseSettings,
  type SettingsResult,
} from "./lib/config/mod.ts";
export { type BadMark, readBad, readHistory } from "./lib/state/mod.ts";
export { FAILURES, type HistoryEntry, type Outcome, type Result, RESULTS } from "./lib/outcome.ts";
export { parseDuration } from "./lib/duration.ts";
export { redact } from "./lib/redact.ts";
export {
  type Finding,
  type Level,
  type Rule,
  validateCheckout,
  type ValidateOptions,
  type ValidateReport,
} from "./lib/validate/mod.ts";
export {
  formatReport,
  type ReportJson,
  reportJson,
  summarize,
  type Summary,
  ValidateJsonSchema,
} from "./lib/validate/mod.ts";
export { decideNotifications, Notifier, type NotifyDecision } from "./lib/notify/mod.ts";
export { buildRequest, guessFormat, type NotifyEvent } from "./lib/notify/mod.ts";
export { handlePush, verifyPush } from "./lib/watch/mod.ts";
export { Scheduler, watchCommand } from "./lib/watch/mod.ts";
