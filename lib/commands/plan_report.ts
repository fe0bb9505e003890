/**
 * How `run --dry-run` shows a plan: an aligned table for people, a JSON
 * document for scripts. Pure: takes the plan, returns lines.
 * @module
 */
import type { Head } from "../repo/mod.ts";
import type { PlanItem } from "../deploy/mod.ts";
import { formatTable, short } from "../table.ts";
import { jsonDocument } from "./json.ts";

const MAX_FILES = 6;

/** The reason column: why, plus the changed files (cut after a few). */
function reason(item: PlanItem): string {
  if (item.files === undefined) {
    return item.status === "changed" && item.why === "files changed"
      ? "files changed (previous version no longer in the clone)"
      : item.why;
  }
  const shown = item.files.slice(0, MAX_FILES).join(", ");
  const more = item.files.length > MAX_FILES ? ` (+${item.files.length - MAX_FILES} more)` : "";
  return `${item.why}: ${shown}${more}`;
}

/** The plan as aligned text lines, one stack per line under a header. */
export function formatPlan(plan: readonly PlanItem[], head: Head): string[] {
  const rows = [["STACK", "STATUS", "MODE", "DEPLOYED", "REPO", "WHY"]];
  for (const item of plan) {
    const repoCommit = item.stack ? short(head.commit) : "-";
    rows.push([
      item.name,
      item.status,
      item.settings?.mode ?? "-",
      short(item.deployed?.commit),
      repoCommit,
      reason(item),
    ]);
  }
  return [`plan for ${short(head.commit)} (dry run: nothing changed)`, ...formatTable(rows)];
}

/** The plan as a JSON document (docs/json-output.md). */
export function planJson(plan: readonly PlanItem[], head: Head, errors: readonly string[]): string {
  return jsonDocument({
    commit: head.commit,
    dry_run: true,
    stacks: plan.map((item) => ({
      stack: item.name,
      status: item.status,
      action: item.action,
      mode: item.settings?.mode ?? null,
      why: item.why,
      path: item.stack?.path ?? null,
      tree: item.stack?.tree ?? null,
      deployed: item.deployed ? { commit: item.deployed.commit, tree: item.deployed.tree } : null,
      files: item.files ?? [],
      problems: item.action === "refuse" ? item.problems : [],
      warnings: item.warnings ?? [],
    })),
    errors,
  });
}
