/**
 * autostack as a library: the pure decisions (plan, health, settings, config)
 * and the building blocks of a run, for tools that embed it. The CLI is
 * `main.ts`.
 * @module
 */
export { main, VERSION } from "./lib/app.ts";
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
