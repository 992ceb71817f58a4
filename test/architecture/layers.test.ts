import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The import rule of src/: arrows point down the flow, never up, and no two files import each other (directly or
 * around a loop).
 *
 * Layers, lowest first. A file may import files of its own folder and of any *lower* layer; folders sharing a layer
 * are peers and do not import each other.
 *
 *   0  util, types            generic helpers (hashing, atomic files, progress, PRNG, map-pool), ambient types
 *   1  taxonomy, data         the 26 constraint dimensions; record schemas, JSONL, dataset formats
 *   2  llm                    chat models, the prompt template, retries, caching, budgets
 *   3  stages                 the generic stage runner and pipeline (journals, resume, rejects, summaries)
 *   4  judge                  the B.5 TRACE judge (prompt, parser) and its rule checks
 *   5  trace                  the TRACE construction chain (expand ... judge)
 *   6  pairs                  DPO pairs and IOPO groups from TRACE records
 *   7  engine                 the ONNX graph builder and sessions
 *   8  model                  model folders, decoders, generation, LoRA
 *   9  train                  losses, optimizer, trainer
 *  10  eval                   IFEval, CFBench, ComplexBench, TRACE evaluation
 *  11  world                  the offline constraint world (its programs answer the stage prompts)
 *  12  experiment             whole experiments: data -> train per method x seed -> generate -> evaluate -> results
 *  13  report                 the HTML report over run folders (reads what every layer below writes)
 *  14  cli                    the command line
 *  15  index.ts               the package entry (src/index.ts re-exports the public API)
 */
const LAYERS: readonly (readonly string[])[] = [
  ["util", "types"],
  ["taxonomy", "data"],
  ["llm"],
  ["stages"],
  ["judge"],
  ["trace"],
  ["pairs"],
  ["engine"],
  ["model"],
  ["train"],
  ["eval"],
  ["world"],
  ["experiment"],
  ["report"],
  ["cli"],
  ["index.ts"],
];

/** Import cycles tolerated (each entry is the set of files of one cycle). None: keep it that way. */
const ALLOWED_CYCLES: readonly (readonly string[])[] = [];

/** File -> the src files it imports (relative imports only: packages and node: builtins are not layered). */
type ImportGraph = Map<string, string[]>;

const ROOT = join(import.meta.dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Every `import ... from "x"`, `export ... from "x"`, `import "x"` and `import("x")` of every file under src/. */
function readImportGraph(root = ROOT): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const abs of sourceFiles(join(root, "src"))) {
    const file = relative(root, abs);
    const { importedFiles } = ts.preProcessFile(readFileSync(abs, "utf8"), true, true);
    const targets: string[] = [];
    for (const { fileName: spec } of importedFiles) {
      if (!spec.startsWith(".")) continue;
      const base = join(dirname(file), spec);
      const candidates = [base.replace(/\.js$/, ".ts"), base, join(base, "index.ts")];
      const target = candidates.find((c) => c.startsWith("src/") && c.endsWith(".ts") && existsSync(join(root, c)));
      if (!target) throw new Error(`${file}: cannot resolve import "${spec}"`);
      targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The layer name of a file: its top-level folder under src/, or the file name for files directly in src/. */
function layerOf(file: string): string {
  return file.split("/")[1];
}

function rankOf(layer: string): number {
  return LAYERS.findIndex((names) => names.includes(layer));
}

/** Files whose layer is missing from the table (a new folder must be given its place). */
function unplacedLayers(graph: ImportGraph): string[] {
  return [...new Set([...graph.keys()].map(layerOf))].filter((l) => rankOf(l) < 0).sort();
}

/** Every import into the same or a higher layer, other than within one folder. */
function layerViolations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (to === from || rankOf(to) < rankOf(from)) continue;
      const kind = rankOf(to) === rankOf(from) ? "a peer" : "a higher";
      out.push(`${file} (${from}, layer ${rankOf(from)}) imports ${target} from ${kind} layer (${to}, ${rankOf(to)})`);
    }
  }
  return out.sort();
}

/** Import cycles: the strongly connected components of the file graph with more than one file, or a self-import. */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
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
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

const key = (files: readonly string[]) => [...files].sort().join(" <-> ");

describe("the checks themselves", () => {
  const graph: ImportGraph = new Map([
    ["src/util/a.ts", []],
    ["src/judge/j.ts", ["src/util/a.ts", "src/trace/t.ts"]],
    ["src/trace/t.ts", ["src/judge/j.ts", "src/trace/u.ts"]],
    ["src/trace/u.ts", ["src/trace/v.ts"]],
    ["src/trace/v.ts", ["src/trace/u.ts"]],
    ["src/data/d.ts", ["src/taxonomy/x.ts"]],
    ["src/taxonomy/x.ts", []],
    ["src/index.ts", ["src/trace/t.ts"]],
    ["src/newfolder/n.ts", []],
  ]);

  it("report an upward import and a peer import, not downward or same-folder ones", () => {
    const v = layerViolations(graph);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatch(/^src\/data\/d\.ts \(data, layer 1\) imports src\/taxonomy\/x\.ts from a peer layer/);
    expect(v[1]).toMatch(/^src\/judge\/j\.ts \(judge, layer 4\) imports src\/trace\/t\.ts from a higher layer/);
  });

  it("report every cycle, across folders and within one", () => {
    expect(importCycles(graph).map(key)).toEqual([
      "src/judge/j.ts <-> src/trace/t.ts",
      "src/trace/u.ts <-> src/trace/v.ts",
    ]);
    expect(importCycles(new Map([["src/util/s.ts", ["src/util/s.ts"]]]))).toEqual([["src/util/s.ts"]]);
  });

  it("report a folder missing from the layer table", () => {
    expect(unplacedLayers(graph)).toEqual(["newfolder"]);
  });
});

describe("src/ import layering", () => {
  const graph = readImportGraph();

  it("reads the real import graph", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("src/index.ts")?.length).toBeGreaterThan(10);
    expect(layerOf("src/index.ts")).toBe("index.ts");
    expect(layerOf("src/trace/prompts/respond.ts")).toBe("trace");
  });

  it("every folder of src/ has a place in the layer table", () => {
    expect(unplacedLayers(graph)).toEqual([]);
  });

  it("imports only point down the layers", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("no import cycles (apart from the allowlisted ones being fixed elsewhere)", () => {
    const allowed = new Set(ALLOWED_CYCLES.map(key));
    const found = importCycles(graph).map(key);
    expect(found.filter((c) => !allowed.has(c))).toEqual([]);
    // An allowlisted cycle that is gone must leave the list, so the list only ever shrinks.
    expect(
      [...allowed].filter((c) => !found.includes(c)),
      "fixed cycles still allowlisted",
    ).toEqual([]);
  });
});
