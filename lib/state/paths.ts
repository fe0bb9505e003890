/**
 * Where each piece of state lives under `base_dir` (docs/how-it-works.md#state),
 * and the one rule that turns a stack name into a folder name.
 * @module
 */
import { join } from "node:path";
import { AutostackError } from "../errors.ts";

/** Where each piece of state lives under `base_dir`. */
export interface StatePaths {
  /** `base_dir` itself. */
  base: string;
  /** The clone of the stacks repo. */
  repo: string;
  /** `running_stacks/`, the parent of every {@link running} folder. */
  runningRoot: string;
  /** `good_stacks/`, the parent of every {@link good} folder. */
  goodRoot: string;
  /** The files of the version of `name` that is deployed now. */
  running(name: string): string;
  /** The last version of `name` seen healthy. */
  good(name: string): string;
  /** Where the healthy versions of `name` before its good one are kept (`keep_releases`). */
  releases(name: string): string;
  /** Where files a container left in `running_stacks/NAME` are moved aside. */
  orphans(name: string): string;
  /** The folder under {@link orphans} for files moved aside at `when`. */
  orphansAt(name: string, when: Date): string;
  /** `bad.json`. */
  bad: string;
  /** `history.jsonl`. */
  history: string;
  /** `images_seen.json`: when each digest behind a followed tag was first seen. */
  imagesSeen: string;
  /** `autostack.lock`. */
  lock: string;
}

/** Builds the {@link StatePaths} of `baseDir`. */
export function statePaths(baseDir: string): StatePaths {
  const runningRoot = join(baseDir, "running_stacks");
  const goodRoot = join(baseDir, "good_stacks");
  return {
    base: baseDir,
    repo: join(baseDir, "repo"),
    runningRoot,
    goodRoot,
    running: (name) => join(runningRoot, checkName(name)),
    good: (name) => join(goodRoot, checkName(name)),
    // A dot folder: no stack name can start with a dot, so it never clashes with one.
    releases: (name) => join(goodRoot, ".releases", checkName(name)),
    orphans: (name) => join(baseDir, "orphans", checkName(name)),
    orphansAt: (name, when) => join(baseDir, "orphans", checkName(name), fileStamp(when)),
    bad: join(baseDir, "bad.json"),
    history: join(baseDir, "history.jsonl"),
    imagesSeen: join(baseDir, "images_seen.json"),
    lock: join(baseDir, "autostack.lock"),
  };
}

/** A stack name becomes a folder name: refuse one that would leave its parent. */
function checkName(name: string): string {
  if (name === "" || name === "." || name === ".." || name.includes("/")) {
    throw new AutostackError(`invalid stack name for a state folder: ${JSON.stringify(name)}`);
  }
  return name;
}

/** A time as a file name: ISO 8601 with `:` and `.` as `-` (`2026-12-01T15-24-07-123Z`). */
export function fileStamp(when: Date): string {
  return when.toISOString().replace(/[:.]/g, "-");
}
