/**
 * Private to `validate.ts`: which stacks a checkout holds, decided by the same
 * discovery `run` uses (docs/how-it-works.md#discovery) over a listing of the
 * checkout instead of git's, and its problems and skips as findings: name
 * clashes, links, deploy settings without a compose file, compose files a run
 * would not deploy, and YAML with `services:` that is no stack.
 * @module
 */
import { join, posix } from "node:path";
import {
  COMPOSE_FILES,
  discoverStacks,
  type Discovery,
  type ListEntry,
  type Skipped,
  type Stack,
} from "../repo/mod.ts";
import { isRecord, readYaml } from "../yaml_doc.ts";
import type { Finding, Place } from "./_model.ts";

/** A stack found in the checkout: what validate uses of discovery's {@link Stack}. */
export type StackFolder = Pick<Stack, "name" | "path" | "composeFile" | "files">;

/** How to look for stacks in a checkout. */
export interface FindOptions {
  /** The config's `folders`; `undefined`: the whole checkout, at any depth. */
  watched?: readonly string[];
  /** The config's `nested` (ignored without `watched`: the whole checkout is searched at any depth). */
  nested?: boolean;
  /** Names a stack at the checkout root. */
  rootName: string;
  /** Where the watched folders are written, blamed for one that is missing. */
  config?: Place;
  /** Texts and link targets discovery reads (see `readForDiscovery`). */
  texts?: ReadonlyMap<string, string>;
  /** Targets of the checkout's symbolic links. */
  links?: ReadonlyMap<string, string>;
  /** The config's `defaults.compose_files`. */
  composeFiles?: readonly string[];
}

/**
 * Finds the stacks of a checkout listing. Without watched folders, it is a run
 * watching `.` with `nested: true`; with them, exactly what a run with that
 * config would find.
 */
export function findStackFolders(
  entries: readonly ListEntry[],
  options: FindOptions,
): { stacks: StackFolder[]; findings: Finding[]; skipped: Skipped[] } {
  const found = discoverStacks(entries, options.watched ?? ["."], "", options.rootName, {
    nested: options.watched === undefined ? true : options.nested ?? false,
    texts: options.texts,
    links: options.links,
    composeFiles: options.composeFiles,
    where: "checkout",
  });
  const findings = [
    ...problemFindings(found, options.config ?? { file: "" }),
    ...found.skipped.flatMap(skipFinding),
  ];
  // Stacks refused for their name are checked all the same: their files may have problems too.
  const key = (s: Stack) => `${s.path}\0${s.composeFile}`;
  const stacks = [...found.stacks, ...found.refused].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
  );
  return { stacks, findings, skipped: found.skipped };
}

function problemFindings(found: Discovery, config: Place): Finding[] {
  return found.problems.map((p): Finding => {
    const at = { folder: p.folder, file: p.file ?? "" };
    switch (p.kind) {
      case "missing-folder":
        return {
          level: "error",
          rule: "missing-folder",
          folder: p.folder,
          ...config,
          message: p.message,
        };
      case "no-name":
        return {
          level: "error",
          rule: "duplicate-name",
          ...at,
          message: "the stack's name has no letter or digit, so it is no compose project name",
        };
      case "duplicate-name": {
        const others = (p.others ?? []).map((o) => `"${o}"`).join(", ");
        const message = `stack name "${p.stack}" is also the name of ${others}: ` +
          "compose project names must be unique, so autostack refuses all of them";
        return { level: "error", rule: "duplicate-name", ...at, stack: p.stack, message };
      }
      case "symlink": {
        const message = p.message.replace(/^stack "[^"]*": /, "");
        return { level: "error", rule: "symlink", ...at, stack: p.stack, message };
      }
    }
  });
}

/** Deploy settings without a compose file are an error; a compose file a run would not deploy, a warning. */
function skipFinding(skip: Skipped): Finding[] {
  const base = { folder: posix.dirname(skip.path), file: skip.path };
  if (skip.kind === "no-compose") {
    const wanted = /\(([^)]*)\)$/.exec(skip.why)?.[1];
    const names = wanted === COMPOSE_FILES[0] ? COMPOSE_FILES.join(", ") : wanted;
    const message = `deploy settings but no compose file (${names})`;
    return [{ level: "error", rule: "missing-compose", ...base, message }];
  }
  if (skip.kind === "deeper") {
    const message = "a compose file deeper than a stack folder: a run does not deploy it " +
      "(set nested: true in the config)";
    return [{ level: "warning", rule: "not-a-stack", ...base, message }];
  }
  return [];
}

/**
 * Warnings for YAML files that define `services:` but are no stack: a run
 * skips them, which is rarely what was meant (a compose file under another
 * name). `skipped` is discovery's list; only files it found no compose file in
 * are read.
 */
export async function composeLookalikes(
  root: string,
  skipped: readonly Skipped[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const skip of skipped) {
    if (skip.kind !== "not-compose") continue;
    // Never read through a link: what it points at is not the repo's to show.
    const info = await Deno.lstat(join(root, skip.path)).catch(() => undefined);
    if (!info?.isFile) continue;
    const text = await Deno.readTextFile(join(root, skip.path)).catch(() => undefined);
    const read = text === undefined ? undefined : readYaml(text);
    if (!read?.ok || !isRecord(read.value) || !("services" in read.value)) continue;
    const message = `defines services: but is not a stack: a run skips it (compose files are ` +
      `${COMPOSE_FILES.join(", ")}, or NAME-compose.yaml for a stack NAME of its own)`;
    findings.push({
      level: "warning",
      rule: "not-a-stack",
      folder: posix.dirname(skip.path),
      file: skip.path,
      ...(read.lineOf("services") === undefined ? {} : { line: read.lineOf("services") }),
      message,
    });
  }
  return findings;
}
