/**
 * Guards the shape of `lib/` so that the domain folders stay folders: no
 * import circles, no reaching into another folder's private (`_`) files, only
 * a folder's `mod.ts` is imported from outside it, the pure decisions (config,
 * the plan, the outcome vocabulary) never reach a process or Docker, every
 * folder has a `mod.ts` that only re-exports, no file under `lib/` is dead, and
 * `main.ts` loads the commands and the deploy machinery only with `import()`.
 * Nothing else enforces these: TypeScript happily compiles a circle or a reach
 * into `lib/deploy/canary/_copy.ts`, and one such convenience import quietly
 * undoes the folders (and the purity that lets plan and config be tested with
 * no Docker at all).
 *
 * The rules are checked on the real module graph, read with
 * `deno info --json` from `main.ts` and `mod.ts` (and from every file under
 * `lib/` neither reaches, so nothing escapes the rules). The checks themselves
 * are pure functions over a plain {@link Graph}, unit-tested at the end of this
 * file with tiny hand-made graphs, so a rule that stops catching what it should
 * fails here rather than going quiet.
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";

/**
 * Modules whose code must never reach a process or Docker, even indirectly. A
 * pattern ending in `/` means every file under that folder.
 */
export const PURE_MODULES: readonly string[] = [
  "lib/config/",
  "lib/deploy/plan.ts",
  "lib/outcome.ts",
  "lib/secrets/",
];

/** What a pure module must not reach through code imports. */
export const IMPURE_MODULES: readonly string[] = ["lib/process.ts", "lib/docker/"];

/** The shared vocabulary every folder may speak: it imports no lib file at all. */
export const VOCABULARY = "lib/outcome.ts";

/** The package's roots: the executable and the library face. */
export const ENTRY_POINTS: readonly string[] = ["main.ts", "mod.ts"];

/**
 * What `main.ts` must load only through `import()`: the commands and the
 * deploy machinery, most of autostack, which a run loads while its fetch runs
 * (lib/run_start.ts). One plain import of them would silently undo that.
 */
export const LOADED_AFTER_START: readonly string[] = ["lib/commands/", "lib/deploy/"];

/**
 * The imports of one file, relative to the project root: run-time ones,
 * type-only ones, and the run-time ones made with `import()` (`lazy`, a part
 * of `code`: loaded when the call is reached, not when the file is).
 */
export type Edges = { code: Set<string>; type: Set<string>; lazy: Set<string> };

/** A module graph keyed by paths relative to the project root, e.g. `lib/deploy/plan.ts`. */
export type Graph = Map<string, Edges>;

// ---------------------------------------------------------------------------
// Small helpers over paths and graphs.

const dirOf = (path: string) => path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const isLib = (path: string) => path.startsWith("lib/");
const matches = (path: string, patterns: readonly string[]) =>
  patterns.some((p) => p.endsWith("/") ? path.startsWith(p) : path === p);

/** Every target of `file`, code and type-only, sorted. */
function targetsOf(graph: Graph, file: string): string[] {
  const edges = graph.get(file);
  return edges ? [...new Set([...edges.code, ...edges.type])].sort() : [];
}

/** Every edge of the graph as `from`, `to` and whether it is type-only, sorted. */
function edgesOf(graph: Graph): { from: string; to: string; typeOnly: boolean }[] {
  return [...graph.keys()].sort().flatMap((from) =>
    targetsOf(graph, from).map((to) => ({
      from,
      to,
      typeOnly: !graph.get(from)!.code.has(to),
    }))
  );
}

const showEdge = (e: { from: string; to: string; typeOnly: boolean }) =>
  `${e.from} -> ${e.to}${e.typeOnly ? " (type-only)" : ""}`;

// ---------------------------------------------------------------------------
// Reading `deno info --json`.

const Resolution = z.object({ specifier: z.string().optional(), error: z.string().optional() });
const DenoInfo = z.object({
  modules: z.array(z.object({
    specifier: z.string(),
    error: z.string().optional(),
    dependencies: z.array(z.object({
      specifier: z.string(),
      code: Resolution.optional(),
      type: Resolution.optional(),
      isDynamic: z.boolean().optional(),
    })).optional(),
  })),
});

/**
 * Adds the modules of one `deno info --json` output to `graph`, keeping only
 * `main.ts`, `mod.ts` and files under `lib/` (specifiers under `rootHref`, the
 * project root's `file:` URL ending in `/`). Returns what failed to load or
 * resolve, one line each; a module that failed has no known imports.
 */
export function addDenoInfo(graph: Graph, json: unknown, rootHref: string): string[] {
  const relative = (specifier: string) => {
    if (!specifier.startsWith(rootHref)) return undefined;
    const path = decodeURIComponent(specifier.slice(rootHref.length));
    return isLib(path) || ENTRY_POINTS.includes(path) ? path : undefined;
  };
  const errors: string[] = [];
  for (const module of DenoInfo.parse(json).modules) {
    const from = relative(module.specifier);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? { code: new Set(), type: new Set(), lazy: new Set() };
    graph.set(from, edges);
    if (module.error) errors.push(`${from}: ${module.error.split("\n")[0]}`);
    for (const dependency of module.dependencies ?? []) {
      for (const kind of ["code", "type"] as const) {
        const resolved = dependency[kind];
        if (resolved?.error) {
          errors.push(`${from}: cannot resolve "${dependency.specifier}": ${resolved.error}`);
        }
        const to = resolved?.specifier && relative(resolved.specifier);
        if (to) edges[kind].add(to);
        if (to && kind === "code" && dependency.isDynamic) edges.lazy.add(to);
      }
    }
  }
  // An import with a run-time part is a code edge; `type` keeps only the type-only ones.
  for (const edges of graph.values()) for (const to of edges.code) edges.type.delete(to);
  return errors;
}

// ---------------------------------------------------------------------------
// The rules, as pure functions over a graph.

/**
 * Import circles, found with Tarjan's strongly connected components over code
 * and type-only edges alike. Every edge inside a component lies on at least
 * one returned circle (its shortest one), so the list names every import that
 * takes part. Each circle starts and ends at its smallest path:
 * `["lib/a/x.ts", "lib/a/y.ts", "lib/a/x.ts"]`.
 */
export function findCircles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of targetsOf(graph, v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);

  const circles = new Map<string, string[]>();
  for (const component of components) {
    const inside = new Set(component);
    for (const u of [...component].sort()) {
      for (const v of targetsOf(graph, u).filter((t) => inside.has(t))) {
        // The shortest path v -> ... -> u inside the component closes the edge u -> v.
        const parent = new Map<string, string>([[v, v]]);
        const queue = [v];
        while (queue.length > 0 && !parent.has(u)) {
          const x = queue.shift()!;
          for (const y of targetsOf(graph, x)) {
            if (inside.has(y) && !parent.has(y)) {
              parent.set(y, x);
              queue.push(y);
            }
          }
        }
        const path = [u];
        for (let x = u; x !== v; x = parent.get(x)!) path.push(parent.get(x)!);
        // path is u, ..., v backwards from u; the circle is u -> v -> ... -> u.
        const ring = [u, ...path.slice(1).reverse()];
        const start = ring.indexOf([...ring].sort()[0]!);
        const rotated = [...ring.slice(start), ...ring.slice(0, start)];
        const circle = [...rotated, rotated[0]!];
        circles.set(circle.join(" -> "), circle);
      }
    }
  }
  return [...circles.keys()].sort().map((key) => circles.get(key)!);
}

/**
 * Imports of a private file (its name starts with `_`) from a file in another
 * folder, as `from -> to` lines. A subfolder may not reach its parent's
 * private files either.
 */
export function findPrivateReaches(graph: Graph): string[] {
  return edgesOf(graph)
    .filter((e) => baseOf(e.to).startsWith("_") && dirOf(e.from) !== dirOf(e.to))
    .map(showEdge);
}

/**
 * Imports that bypass a folder's face, as `from -> to (use …/mod.ts)` lines.
 * A lib file may import files of its own folder, of an ancestor folder, lib
 * root files, and any folder's `mod.ts`; the entry points may import lib root
 * files and any folder's `mod.ts` only.
 */
export function findFaceBypasses(graph: Graph): string[] {
  return edgesOf(graph).filter(({ from, to }) => {
    if (!isLib(to) || dirOf(to) === "lib" || baseOf(to) === "mod.ts") return false;
    if (!isLib(from)) return true;
    return dirOf(from) !== dirOf(to) && !dirOf(from).startsWith(`${dirOf(to)}/`);
  }).map((e) => `${showEdge(e)} (use ${dirOf(e.to)}/mod.ts)`);
}

/**
 * Chains by which a pure module reaches an impure one through run-time (code)
 * imports, as `a -> b -> c` lines: the shortest chain to each impure module
 * reached first, for every pure module. Type-only imports are erased at run
 * time and not followed. A pure pattern that matches no module is reported
 * too, so a rename cannot make the rule silently empty.
 */
export function findImpureReaches(
  graph: Graph,
  pure: readonly string[],
  impure: readonly string[],
): string[] {
  const files = [...graph.keys()].sort();
  const problems = pure
    .filter((pattern) => !files.some((f) => matches(f, [pattern])))
    .map((pattern) => `pure module ${pattern} matches no module in the graph`);
  for (const start of files.filter((f) => matches(f, pure))) {
    const parent = new Map<string, string>([[start, start]]);
    const queue = [start];
    while (queue.length > 0) {
      const x = queue.shift()!;
      if (x !== start && matches(x, impure)) {
        const chain = [x];
        for (let y = x; y !== start; y = parent.get(y)!) chain.unshift(parent.get(y)!);
        problems.push(chain.join(" -> "));
        continue; // the chain ends where impurity starts
      }
      for (const y of [...(graph.get(x)?.code ?? [])].sort()) {
        if (!parent.has(y)) {
          parent.set(y, x);
          queue.push(y);
        }
      }
    }
  }
  return problems;
}

/** `graph` as a file's loading sees it: without the imports made with `import()`. */
export function withoutLazy(graph: Graph): Graph {
  return new Map(
    [...graph].map(([file, e]) => [file, {
      code: new Set([...e.code].filter((to) => !e.lazy.has(to))),
      type: new Set(e.type),
      lazy: new Set(),
    }]),
  );
}

/**
 * The lib files `file` imports (code or type-only), as `from -> to` lines, or
 * one line saying `file` is not in the graph at all.
 */
export function findLibImports(graph: Graph, file: string): string[] {
  if (!graph.has(file)) return [`${file} is not in the module graph`];
  return edgesOf(graph).filter((e) => e.from === file && isLib(e.to)).map(showEdge);
}

/**
 * Lib files that no entry point reaches, following code and type-only
 * imports: dead modules.
 */
export function findDeadModules(graph: Graph, entries: readonly string[]): string[] {
  const seen = new Set(entries.filter((e) => graph.has(e)));
  const queue = [...seen];
  while (queue.length > 0) {
    for (const y of targetsOf(graph, queue.shift()!)) {
      if (!seen.has(y)) {
        seen.add(y);
        queue.push(y);
      }
    }
  }
  return [...graph.keys()].filter((f) => isLib(f) && !seen.has(f)).sort();
}

/**
 * Folders (paths relative to the project root) with no `mod.ts` among `files`.
 */
export function findMissingFaces(folders: readonly string[], files: readonly string[]): string[] {
  const have = new Set(files);
  return [...folders].sort().filter((folder) => !have.has(`${folder}/mod.ts`));
}

const REEXPORT =
  /^export\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+(["'])[^"']+\1\s*(?:with\s*\{[^}]*\}\s*)?;?$/;

/**
 * The top-level statements of a `mod.ts` source that are not re-exports
 * (`export … from`, `export type … from`, `export * from`), as
 * `line N: statement` lines. A simple line-based parse: comments and blank
 * lines are ignored, and a statement ends at a line ending in `;` or in the
 * quoted specifier after `from`.
 */
export function findNonReexports(source: string): string[] {
  const lines = source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ""))
    .split("\n")
    .map((line) => line.trim().startsWith("//") ? "" : line.replace(/;\s*\/\/.*$/, ";").trim());
  const problems: string[] = [];
  let statement: string[] = [];
  let startLine = 0;
  const finish = () => {
    const text = statement.join(" ").replace(/\s+/g, " ");
    if (text && !REEXPORT.test(text)) problems.push(`line ${startLine}: ${text}`);
    statement = [];
  };
  lines.forEach((line, i) => {
    if (!line) return;
    if (statement.length === 0) startLine = i + 1;
    statement.push(line);
    if (line.endsWith(";") || /\bfrom\s+(["'])[^"']+\1$/.test(line)) finish();
  });
  finish();
  return problems;
}

// ---------------------------------------------------------------------------
// The real graph.

const ROOT = new URL("../", import.meta.url);
const decoder = new TextDecoder();

async function denoInfo(file: string): Promise<unknown> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno info --json ${file} exited ${code}:\n${decoder.decode(stderr)}`);
  }
  return JSON.parse(decoder.decode(stdout));
}

/** The `.ts` files and the folders under `lib/`, relative to the project root. */
async function walkLib(): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(`${dir}/`, ROOT))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        folders.push(path);
        await walk(path);
      } else if (entry.isFile && path.endsWith(".ts")) {
        files.push(path);
      }
    }
  };
  await walk("lib");
  return { files: files.sort(), folders: folders.sort() };
}

type Real = { graph: Graph; errors: string[]; files: string[]; folders: string[] };
let real: Promise<Real> | undefined;

/** The graph from the entry points plus every lib file on disk neither reaches (read once). */
function realGraph(): Promise<Real> {
  return real ??= (async () => {
    const graph: Graph = new Map();
    const errors: string[] = [];
    const { files, folders } = await walkLib();
    let pending = [...ENTRY_POINTS];
    while (pending.length > 0) {
      for (const json of await Promise.all(pending.map(denoInfo))) {
        errors.push(...addDenoInfo(graph, json, ROOT.href));
      }
      pending = files.filter((f) => !graph.has(f));
    }
    return { graph, errors: [...new Set(errors)].sort(), files, folders };
  })();
}

/** Fails listing every line of `found` under a header saying what they are. */
function assertNone(what: string, found: readonly string[]) {
  if (found.length > 0) {
    assert.fail(`${found.length} ${what}:\n  ${found.join("\n  ")}`);
  }
}

Deno.test("the lib module graph loads without errors", async () => {
  const { errors } = await realGraph();
  assertNone("modules that failed to load or resolve", errors);
});

Deno.test("no lib module is dead: main.ts or mod.ts reaches every one", async () => {
  const { graph } = await realGraph();
  assertNone(
    "dead modules (neither main.ts nor mod.ts reaches them)",
    findDeadModules(graph, ENTRY_POINTS),
  );
});

Deno.test("lib files import each other without circles, type-only imports included", async () => {
  const { graph } = await realGraph();
  const show = (circle: string[]) => {
    const typeOnly = circle.slice(1)
      .map((to, i) => ({ from: circle[i]!, to }))
      .filter(({ from, to }) => !graph.get(from)?.code.has(to))
      .map(({ from, to }) => `${from} -> ${to}`);
    const note = typeOnly.length > 0 ? `   [type-only: ${typeOnly.join(", ")}]` : "";
    return `${circle.join(" -> ")}${note}`;
  };
  assertNone("import circles", findCircles(graph).map(show));
});

Deno.test("no file imports a private _file of another folder", async () => {
  const { graph } = await realGraph();
  assertNone("imports of another folder's private file", findPrivateReaches(graph));
});

Deno.test("across folders a file imports only the other folder's mod.ts", async () => {
  const { graph } = await realGraph();
  assertNone("imports that bypass a folder's mod.ts", findFaceBypasses(graph));
});

Deno.test("pure modules never reach lib/process.ts or lib/docker/ at run time", async () => {
  const { graph } = await realGraph();
  assertNone(
    "run-time chains from a pure module to a process or Docker",
    findImpureReaches(graph, PURE_MODULES, IMPURE_MODULES),
  );
});

Deno.test("main.ts loads the commands and the deploy machinery only through import(), after a run's fetch starts", async () => {
  const { graph } = await realGraph();
  assertNone(
    "plain import chains from main.ts to what must load after a run starts",
    findImpureReaches(withoutLazy(graph), ["main.ts"], LOADED_AFTER_START),
  );
});

Deno.test(`the shared vocabulary ${VOCABULARY} imports no lib file`, async () => {
  const { graph } = await realGraph();
  assertNone(`lib imports of ${VOCABULARY}`, findLibImports(graph, VOCABULARY));
});

Deno.test("every folder under lib/ has a mod.ts as its face", async () => {
  const { files, folders } = await realGraph();
  assertNone("folders without a mod.ts", findMissingFaces(folders, files));
});

Deno.test("a folder's mod.ts only re-exports", async () => {
  const { files } = await realGraph();
  const problems: string[] = [];
  for (const face of files.filter((f) => baseOf(f) === "mod.ts")) {
    const source = await Deno.readTextFile(new URL(face, ROOT));
    problems.push(...findNonReexports(source).map((p) => `${face} ${p}`));
  }
  assertNone("statements in a mod.ts that are not re-exports", problems);
});

// ---------------------------------------------------------------------------
// The rules themselves, on tiny hand-made graphs.

/** A graph from `{ file: { code: [...], type: [...], lazy: [...] } }` (`lazy` also counts as code). */
function graphOf(
  spec: Record<string, { code?: string[]; type?: string[]; lazy?: string[] }>,
): Graph {
  const graph: Graph = new Map();
  for (const [file, { code = [], type = [], lazy = [] }] of Object.entries(spec)) {
    graph.set(file, {
      code: new Set([...code, ...lazy]),
      type: new Set(type),
      lazy: new Set(lazy),
    });
    for (const to of [...code, ...type, ...lazy]) {
      if (!graph.has(to) && !(to in spec)) {
        graph.set(to, { code: new Set(), type: new Set(), lazy: new Set() });
      }
    }
  }
  return graph;
}

Deno.test("findCircles() finds a planted circle of two files", () => {
  const graph = graphOf({
    "lib/a/x.ts": { code: ["lib/a/y.ts"] },
    "lib/a/y.ts": { code: ["lib/a/x.ts", "lib/errors.ts"] },
  });
  assert.deepEqual(findCircles(graph), [["lib/a/x.ts", "lib/a/y.ts", "lib/a/x.ts"]]);
});

Deno.test("findCircles() counts a type-only import as part of a circle", () => {
  const graph = graphOf({
    "lib/a/x.ts": { code: ["lib/a/y.ts"] },
    "lib/a/y.ts": { type: ["lib/a/x.ts"] },
  });
  assert.deepEqual(findCircles(graph), [["lib/a/x.ts", "lib/a/y.ts", "lib/a/x.ts"]]);
});

Deno.test("findCircles() finds a file importing itself and nothing in a tree", () => {
  assert.deepEqual(findCircles(graphOf({ "lib/a.ts": { code: ["lib/a.ts"] } })), [
    ["lib/a.ts", "lib/a.ts"],
  ]);
  const tree = graphOf({
    "main.ts": { code: ["lib/a.ts", "lib/b.ts"] },
    "lib/a.ts": { code: ["lib/b.ts"] },
  });
  assert.deepEqual(findCircles(tree), []);
});

Deno.test("findCircles() names every edge of a knot of circles", () => {
  const graph = graphOf({
    "lib/x.ts": { code: ["lib/y.ts"] },
    "lib/y.ts": { code: ["lib/x.ts", "lib/z.ts"] },
    "lib/z.ts": { code: ["lib/y.ts"] },
  });
  assert.deepEqual(findCircles(graph), [
    ["lib/x.ts", "lib/y.ts", "lib/x.ts"],
    ["lib/y.ts", "lib/z.ts", "lib/y.ts"],
  ]);
});

Deno.test("findPrivateReaches() finds a reach into another folder's private file only", () => {
  const graph = graphOf({
    "lib/a/x.ts": { code: ["lib/b/_p.ts"] },
    "lib/b/y.ts": { code: ["lib/b/_p.ts"] },
    "lib/deploy/canary/c.ts": { type: ["lib/deploy/_q.ts"] },
    "main.ts": { code: ["lib/_r.ts"] },
  });
  assert.deepEqual(findPrivateReaches(graph), [
    "lib/a/x.ts -> lib/b/_p.ts",
    "lib/deploy/canary/c.ts -> lib/deploy/_q.ts (type-only)",
    "main.ts -> lib/_r.ts",
  ]);
});

Deno.test("findFaceBypasses() allows mod.ts, lib root, own and parent folder files only", () => {
  const graph = graphOf({
    "lib/a/x.ts": {
      code: ["lib/a/y.ts", "lib/b/mod.ts", "lib/errors.ts", "lib/b/z.ts"],
      type: ["lib/c/t.ts"],
    },
    "lib/deploy/canary/c.ts": { code: ["lib/deploy/context.ts", "lib/deploy/canary/_m.ts"] },
    "lib/deploy/execute.ts": { code: ["lib/deploy/canary/canary.ts"] },
    "lib/app.ts": { code: ["lib/deploy/execute.ts", "lib/deploy/mod.ts"] },
    "main.ts": { code: ["lib/app.ts", "lib/b/mod.ts", "lib/b/z.ts"] },
  });
  assert.deepEqual(findFaceBypasses(graph), [
    "lib/a/x.ts -> lib/b/z.ts (use lib/b/mod.ts)",
    "lib/a/x.ts -> lib/c/t.ts (type-only) (use lib/c/mod.ts)",
    "lib/app.ts -> lib/deploy/execute.ts (use lib/deploy/mod.ts)",
    "lib/deploy/execute.ts -> lib/deploy/canary/canary.ts (use lib/deploy/canary/mod.ts)",
    "main.ts -> lib/b/z.ts (use lib/b/mod.ts)",
  ]);
});

Deno.test("findImpureReaches() follows code edges to lib/process.ts and prints the chain", () => {
  const graph = graphOf({
    "lib/deploy/plan.ts": { code: ["lib/repo/mod.ts"] },
    "lib/repo/mod.ts": { code: ["lib/repo/git.ts"] },
    "lib/repo/git.ts": { code: ["lib/process.ts"] },
    "lib/config/a.ts": { code: ["lib/config/b.ts"] },
    "lib/config/b.ts": { code: ["lib/docker/mod.ts"] },
    "lib/docker/mod.ts": { code: ["lib/process.ts"] },
  });
  assert.deepEqual(
    findImpureReaches(graph, ["lib/config/", "lib/deploy/plan.ts"], IMPURE_MODULES),
    [
      "lib/config/a.ts -> lib/config/b.ts -> lib/docker/mod.ts",
      "lib/config/b.ts -> lib/docker/mod.ts",
      "lib/deploy/plan.ts -> lib/repo/mod.ts -> lib/repo/git.ts -> lib/process.ts",
    ],
  );
});

Deno.test("findImpureReaches() does not follow type-only edges, erased at run time", () => {
  const graph = graphOf({
    "lib/deploy/plan.ts": { code: ["lib/repo/mod.ts"], type: ["lib/process.ts"] },
    "lib/repo/mod.ts": { type: ["lib/repo/git.ts"] },
    "lib/repo/git.ts": { code: ["lib/process.ts"] },
  });
  assert.deepEqual(findImpureReaches(graph, ["lib/deploy/plan.ts"], IMPURE_MODULES), []);
});

Deno.test("findImpureReaches() reports a pure module that is not in the graph", () => {
  assert.deepEqual(findImpureReaches(graphOf({}), ["lib/outcome.ts"], IMPURE_MODULES), [
    "pure module lib/outcome.ts matches no module in the graph",
  ]);
});

Deno.test("findLibImports() lists every lib import of a file, or says it is missing", () => {
  const graph = graphOf({
    "lib/outcome.ts": { code: ["lib/errors.ts"], type: ["lib/state/mod.ts"] },
  });
  assert.deepEqual(findLibImports(graph, "lib/outcome.ts"), [
    "lib/outcome.ts -> lib/errors.ts",
    "lib/outcome.ts -> lib/state/mod.ts (type-only)",
  ]);
  assert.deepEqual(findLibImports(graphOf({ "lib/outcome.ts": {} }), "lib/outcome.ts"), []);
  assert.deepEqual(findLibImports(graphOf({}), "lib/outcome.ts"), [
    "lib/outcome.ts is not in the module graph",
  ]);
});

Deno.test("findDeadModules() finds a lib file no entry point reaches", () => {
  const graph = graphOf({
    "main.ts": { code: ["lib/a.ts"] },
    "mod.ts": { type: ["lib/b/mod.ts"] },
    "lib/dead.ts": { code: ["lib/a.ts"] },
  });
  assert.deepEqual(findDeadModules(graph, ENTRY_POINTS), ["lib/dead.ts"]);
});

Deno.test("findMissingFaces() finds a folder without a mod.ts", () => {
  assert.deepEqual(
    findMissingFaces(["lib/a", "lib/b", "lib/b/c"], [
      "lib/a/mod.ts",
      "lib/b/x.ts",
      "lib/b/c/mod.ts",
    ]),
    ["lib/b"],
  );
});

Deno.test("findNonReexports() accepts re-exports with comments across lines", () => {
  const source = `/**
 * The face.
 * @module
 */
// one line comment
export { a, type B } from "./a.ts";
export type { C } from "./c.ts"; // trailing comment
export * from "./d.ts";
export * as e from "./e/mod.ts";
export type * from "./f.ts";
export {
  g,
  h, // the h
} from "./g.ts";

/* block */ export { i } from './i.ts'
`;
  assert.deepEqual(findNonReexports(source), []);
});

Deno.test("findNonReexports() rejects imports, declarations and local exports", () => {
  const source = `import { a } from "./a.ts";
export { a };
export const b = 1;
export function c() {
  return 1;
}
export default 2;
export { d } from "./d.ts";
`;
  assert.deepEqual(findNonReexports(source), [
    `line 1: import { a } from "./a.ts";`,
    "line 2: export { a };",
    "line 3: export const b = 1;",
    "line 4: export function c() { return 1;",
    "line 6: } export default 2;",
  ]);
});

Deno.test("addDenoInfo() keeps lib edges, tells type-only from code and reports errors", () => {
  const root = "file:///p/";
  const json = {
    modules: [
      {
        specifier: "file:///p/main.ts",
        dependencies: [
          { specifier: "./lib/a.ts", code: { specifier: "file:///p/lib/a.ts" } },
          { specifier: "./tests/t.ts", code: { specifier: "file:///p/tests/t.ts" } },
          { specifier: "./lib/d.ts", code: { specifier: "file:///p/lib/d.ts" }, isDynamic: true },
          { specifier: "zod", code: { specifier: "npm:zod@4" } },
        ],
      },
      {
        specifier: "file:///p/lib/a.ts",
        dependencies: [
          {
            specifier: "./b.ts",
            code: { specifier: "file:///p/lib/b.ts" },
            type: { specifier: "file:///p/lib/b.ts" },
          },
          { specifier: "./c.ts", type: { specifier: "file:///p/lib/c.ts" } },
          { specifier: "nope", code: { error: "Relative import path not prefixed" } },
        ],
      },
      { specifier: "file:///p/lib/b.ts" },
      { specifier: "file:///p/lib/c.ts", error: "Module not found.\nmore" },
      { specifier: "file:///p/lib/d.ts" },
      { specifier: "file:///p/tests/t.ts" },
    ],
  };
  const graph: Graph = new Map();
  assert.deepEqual(addDenoInfo(graph, json, root), [
    `lib/a.ts: cannot resolve "nope": Relative import path not prefixed`,
    "lib/c.ts: Module not found.",
  ]);
  assert.deepEqual([...graph.keys()].sort(), [
    "lib/a.ts",
    "lib/b.ts",
    "lib/c.ts",
    "lib/d.ts",
    "main.ts",
  ]);
  assert.deepEqual(graph.get("main.ts"), {
    code: new Set(["lib/a.ts", "lib/d.ts"]),
    type: new Set(),
    lazy: new Set(["lib/d.ts"]),
  });
  assert.deepEqual(graph.get("lib/a.ts"), {
    code: new Set(["lib/b.ts"]),
    type: new Set(["lib/c.ts"]),
    lazy: new Set(),
  });
  assert.throws(() => addDenoInfo(new Map(), { modules: [{ dependencies: [] }] }, root));
});

Deno.test("withoutLazy() drops the import() edges, so a chain through one is not a start-up load", () => {
  const graph = graphOf({
    "main.ts": { code: ["lib/app.ts"] },
    "lib/app.ts": { lazy: ["lib/commands/mod.ts"], code: ["lib/state/mod.ts"] },
    "lib/state/mod.ts": { code: ["lib/deploy/mod.ts"] },
  });
  assert.deepEqual(findImpureReaches(withoutLazy(graph), ["main.ts"], LOADED_AFTER_START), [
    "main.ts -> lib/app.ts -> lib/state/mod.ts -> lib/deploy/mod.ts",
  ]);
  assert.deepEqual(findImpureReaches(graph, ["main.ts"], ["lib/commands/"]), [
    "main.ts -> lib/app.ts -> lib/commands/mod.ts",
  ]);
  assert.deepEqual(findImpureReaches(withoutLazy(graph), ["main.ts"], ["lib/commands/"]), []);
});
