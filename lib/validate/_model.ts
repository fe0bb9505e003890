/**
 * Private to `validate.ts`: the plain data the stacks linter passes between its
 * parts — a finding, and the few facts about a compose project the rules look
 * at (services, their mounts, ports, healthchecks; named volumes), whether they
 * came from `docker compose config` or from the raw YAML.
 * @module
 */

/** How bad a finding is: errors fail the check, warnings only with `--strict`, notes never. */
export type Level = "error" | "warning" | "note";

/** A stable id per kind of finding, for `--json` consumers. */
export type Rule =
  | "missing-compose"
  | "invalid-compose"
  | "compose-not-checked"
  | "invalid-settings"
  | "settings-warning"
  | "missing-script"
  | "script-not-executable"
  | "duplicate-name"
  | "missing-compose-file"
  | "missing-folder"
  | "symlink"
  | "not-a-stack"
  | "named-volume"
  | "anonymous-volume"
  | "data-in-stack"
  | "no-healthcheck"
  | "canary-cannot-run-twice"
  | "swarm-refused"
  | "swarm-ignored"
  | "compose-ignores-deploy"
  | "invalid-secret"
  | "encrypted-file"
  | "image-not-followed";

/** One thing `autostack validate` found. */
export interface Finding {
  /** Severity. */
  level: Level;
  /** What kind of finding it is. */
  rule: Rule;
  /** Folder the finding belongs to, from the checkout root (`stacks/web`); output is grouped by it. */
  folder: string;
  /** The stack's name, when the folder is a stack. */
  stack?: string;
  /** File from the checkout root (`stacks/web/compose.yaml`); `""` for the run as a whole. */
  file: string;
  /** 1-based line in {@link file}, when known. */
  line?: number;
  /** What is wrong and, where useful, what to do. */
  message: string;
}

/** A mount of a service, reduced to what rules 2 and 3 need. */
export interface MountInfo {
  /** `bind`, a `named` volume, an `anonymous` volume, or anything else (`tmpfs` …). */
  kind: "bind" | "named" | "anonymous" | "other";
  /** Bind: absolute host path. Named volume: the volume's key. */
  source?: string;
  /** Path in the container. */
  target: string;
  /** Mounted read-only. */
  readOnly: boolean;
}

/** A service, reduced to what the rules need. */
export interface ServiceInfo {
  /** Service key. */
  name: string;
  /** `unknown` when it may come from elsewhere (`extends` read without compose). */
  healthcheck: "yes" | "no" | "disabled" | "unknown";
  /** A one-shot job: another service waits for it with `service_completed_successfully`. */
  oneShot?: boolean;
  /** `container_name`, when set. */
  containerName?: string;
  /** Published host ports as written (`8080`, `127.0.0.1:8080`); not the container-only ones. */
  hostPorts: string[];
  /** Volumes and binds; entries whose paths hold an unresolved `${VAR}` are left out. */
  mounts: MountInfo[];
}

/** The compose project of a stack, as far as the rules are concerned. */
export interface StackModel {
  /** Services, in the order found. */
  services: ServiceInfo[];
  /** Top-level volumes by key: `external` ones are managed outside the stack. */
  volumes: Record<string, { external: boolean }>;
}

/** Where a YAML key or list item is: the file as shown and its line, when found. */
export interface Place {
  /** File from the checkout root. */
  file: string;
  /** 1-based line. */
  line?: number;
}

/**
 * Finds the place of a path of keys (`["services", "web", "ports"]`) in a
 * stack's compose files; with `item`, the list entry under it that matches.
 */
export type Locate = (
  path: readonly (string | number)[],
  item?: (value: unknown) => boolean,
) => Place;
