/**
 * Private to the repo folder: symbolic links in a stack
 * (docs/how-it-works.md#discovery). A stack whose compose or deploy file is a
 * link, or that holds a link leading outside its folder, is refused: its copy
 * would run files the repo does not hold under that stack. The message names
 * the link, never what it points at. Pure: the link targets are handed in.
 * @module
 */
import { posix } from "node:path";
import { deployFilesFor } from "../names.ts";
import type { Listed } from "./_files.ts";

const LINK = "120000";

/** The refused links of a stack, one problem each; none when its links stay inside its folder. */
export function linkProblems(
  stack: { name: string; path: string; composeFile: string; files?: { from: string }[] },
  below: ReadonlyMap<string, Listed>,
  links: ReadonlyMap<string, string>,
): { kind: "symlink"; folder: string; file: string; stack: string; message: string }[] {
  const shown = (rel: string) => stack.path === "." ? rel : `${stack.path}/${rel}`;
  const problem = (rel: string, what: string) => ({
    kind: "symlink" as const,
    folder: stack.path,
    file: shown(rel),
    stack: stack.name,
    message: `stack "${stack.name}": ${shown(rel)} is a symbolic link${what}; refused`,
  });
  const own = [stack.composeFile, ...deployFilesFor(stack.composeFile)];
  const problems = own.filter((rel) => below.get(rel)?.mode === LINK)
    .map((rel) => problem(rel, " (compose and deploy files must be plain files)"));
  const shipped = stack.files?.map((f) => f.from) ?? [...below.keys()];
  for (const rel of shipped) {
    if (own.includes(rel) || below.get(rel)?.mode !== LINK) continue;
    const target = links.get(shown(rel));
    if (target === undefined || leaves(rel, target)) {
      problems.push(problem(rel, " that leads outside the stack folder"));
    }
  }
  return problems;
}

/** Whether a link at `rel` (relative to the stack folder) pointing at `target` leads out of it. */
function leaves(rel: string, target: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  return resolved === ".." || resolved.startsWith("../");
}
