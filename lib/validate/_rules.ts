/**
 * Private to `validate.ts`: the rules for stacks
 * (docs/validate.md#what-is-checked) and the canary limits
 * (docs/canary.md#what-a-stack-needs), decided purely from a stack's compose
 * model, its method and the files the checkout ships; plus the reading of
 * `pre_deploy` commands.
 * @module
 */
import { posix, relative } from "node:path";
import type { Method } from "../config/mod.ts";
import type { Finding, Locate, Place, ServiceInfo, StackModel } from "./_model.ts";
import { mountTarget } from "./_yaml.ts";

/** What the model rules need besides the model. */
export interface RuleContext {
  /** The stack folder from the checkout root (`stacks/web`). */
  folder: string;
  /** The stack's name. */
  stack: string;
  /** The stack folder, absolute, as bind sources in the model are. */
  dir: string;
  /** Files of the stack folder, relative to it (`conf/app.conf`). */
  files: ReadonlySet<string>;
  /** The stack's method, when its settings could be read. */
  method?: Method;
  /** Where keys are in the stack's compose files. */
  locate: Locate;
}

/** Files that only keep an otherwise empty folder in git: such a folder ships no content. */
const PLACEHOLDERS = new Set([".gitkeep", ".keep", ".gitignore"]);

/** Warnings for rules 2, 3 and 4 and for a canary stack that cannot run twice. */
export function modelFindings(model: StackModel, ctx: RuleContext): Finding[] {
  return [
    ...volumeFindings(model, ctx),
    ...model.services.flatMap((s) => bindFindings(s, ctx)),
    ...healthFindings(model.services, ctx),
    ...(ctx.method === "canary" ? model.services.flatMap((s) => canaryFindings(s, ctx)) : []),
  ];
}

function warning(ctx: RuleContext, rule: Finding["rule"], place: Place, message: string): Finding {
  return { level: "warning", rule, folder: ctx.folder, stack: ctx.stack, ...place, message };
}

function mountPlace(ctx: RuleContext, service: string, target: string): Place {
  return ctx.locate(["services", service, "volumes"], (item) => mountTarget(item) === target);
}

/** Rule 2: named volumes (external ones are managed outside the stack) and anonymous ones. */
function volumeFindings(model: StackModel, ctx: RuleContext): Finding[] {
  const users = new Map<string, { services: string[]; target: string }>();
  const findings: Finding[] = [];
  for (const service of model.services) {
    for (const mount of service.mounts) {
      if (mount.kind === "anonymous") {
        const message = `service "${service.name}" has an anonymous volume at ${mount.target}: ` +
          "a new one is made on every deploy and the data is left behind (rule 2)";
        findings.push(
          warning(ctx, "anonymous-volume", mountPlace(ctx, service.name, mount.target), message),
        );
      }
      if (mount.kind !== "named" || mount.source === undefined) continue;
      if (model.volumes[mount.source]?.external) continue;
      const seen = users.get(mount.source) ?? { services: [], target: mount.target };
      if (!seen.services.includes(service.name)) seen.services.push(service.name);
      users.set(mount.source, seen);
    }
  }
  for (const [name, { services, target }] of users) {
    const declared = ctx.locate(["volumes", name]);
    const place = declared.line === undefined ? mountPlace(ctx, services[0]!, target) : declared;
    const message = `named volume "${name}" (${services.join(", ")}) does not survive a full ` +
      "removal of the stack; keep persistent data outside named volumes (rule 2)";
    findings.push(warning(ctx, "named-volume", place, message));
  }
  return findings;
}

/** Whether the checkout ships `path` (relative to the stack folder) with content. */
export function ships(files: ReadonlySet<string>, path: string): boolean {
  if (path === "" || files.has(path)) return true;
  const inside = [...files].filter((f) => f.startsWith(`${path}/`));
  return inside.some((f) => !PLACEHOLDERS.has(posix.basename(f)));
}

/** Rule 3: a writable bind mount into the stack folder of a path the repo does not ship. */
function bindFindings(service: ServiceInfo, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const mount of service.mounts) {
    if (mount.kind !== "bind" || mount.readOnly || mount.source === undefined) continue;
    const inside = relative(ctx.dir, mount.source).split("\\").join("/");
    if (inside.startsWith("..") || posix.isAbsolute(inside)) continue;
    if (ships(ctx.files, inside)) continue;
    const message = `service "${service.name}" mounts ./${inside} writable, but the repo does ` +
      "not ship it: the stack folder is replaced on each deploy; keep data outside it (rule 3)";
    findings.push(
      warning(ctx, "data-in-stack", mountPlace(ctx, service.name, mount.target), message),
    );
  }
  return findings;
}

/**
 * Rule 4: one warning for a stack with no healthcheck at all, else one per
 * service without. One-shot jobs count as healthy once they exit 0, so they
 * need none.
 */
function healthFindings(services: readonly ServiceInfo[], ctx: RuleContext): Finding[] {
  const missing = services.filter((s) => s.healthcheck === "no" && !s.oneShot);
  if (missing.length === 0) return [];
  const checked = services.filter((s) => s.healthcheck === "yes" || s.healthcheck === "unknown");
  if (checked.length === 0) {
    const message = "no service has a healthcheck: healthy only means running, so a version " +
      "that runs but does not work is not rolled back (rule 4)";
    return [warning(ctx, "no-healthcheck", ctx.locate(["services"]), message)];
  }
  return missing.map((s) =>
    warning(
      ctx,
      "no-healthcheck",
      ctx.locate(["services", s.name]),
      `service "${s.name}" has no healthcheck (unless its image has one) (rule 4)`,
    )
  );
}

/** A canary runs two copies side by side: fixed host ports and container names clash. */
function canaryFindings(service: ServiceInfo, ctx: RuleContext): Finding[] {
  const why = "canary cannot run two copies of it, so it deploys with simple";
  const findings: Finding[] = [];
  if (service.hostPorts.length > 0) {
    const ports = `host port${service.hostPorts.length === 1 ? "" : "s"} ${
      service.hostPorts.join(", ")
    }`;
    const message = `service "${service.name}" publishes ${ports}: ${why}`;
    const place = ctx.locate(["services", service.name, "ports"]);
    findings.push(warning(ctx, "canary-cannot-run-twice", place, message));
  }
  if (service.containerName !== undefined) {
    const message =
      `service "${service.name}" sets container_name "${service.containerName}": ${why}`;
    const place = ctx.locate(["services", service.name, "container_name"]);
    findings.push(warning(ctx, "canary-cannot-run-twice", place, message));
  }
  return findings;
}

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh"]);

/**
 * The script a `pre_deploy` / `post_deploy` command runs from the checkout: its
 * first word (after `VAR=value` words) when that is a relative path, or the
 * script given to `sh`/`bash`. `direct` says it is executed itself, so it must
 * be executable. Words with `$`, globs or `~` are left alone: only the shell knows.
 */
export function scriptPath(command: string): { path: string; direct: boolean } | undefined {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  let word = words[i];
  let direct = true;
  if (word !== undefined && SHELLS.has(word)) {
    word = words[i + 1];
    direct = false;
  }
  if (word === undefined) return undefined;
  const path = word.replace(/^(['"])(.*)\1$/, "$2");
  if (!path.includes("/") || path.startsWith("/") || /[$`*?~;&|<>()]/.test(path)) {
    return undefined;
  }
  return { path, direct };
}
