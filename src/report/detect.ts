import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { DataError } from "../data/errors.js";
import type { FolderKind } from "./model.js";

/**
 * What kind of output a folder is, told by the files each command writes:
 *
 *   experiment         results.json with `"schema": "iopo.results/..."` (iopo demo / iopo experiment)
 *   train              trainer_log.jsonl (iopo train)
 *   eval-trace         results.jsonl + metrics.json (iopo eval trace)
 *   eval-ifeval        eval_results_strict.jsonl, or metrics.json with prompt_level_strict_acc (iopo eval ifeval)
 *   eval-cfbench       cfbench_metrics.json;  eval-complexbench  complexbench_metrics.json
 *   pairs-iopo         iopo_groups.jsonl;     pairs-dpo          dpo_pairs.jsonl        (iopo pairs iopo|dpo)
 *   trace-build        trace.jsonl + summary.json (iopo trace build)
 *   trace-file         a TRACE JSONL file given directly (an evaluation set): its statistics only
 */
export function folderKind(path: string): FolderKind | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isFile()) return path.endsWith(".jsonl") ? "trace-file" : undefined;
  const has = (f: string) => existsSync(join(path, f));
  if (has("results.json") && isExperimentResults(join(path, "results.json"))) return "experiment";
  if (has("trainer_log.jsonl")) return "train";
  if (has("eval_results_strict.jsonl")) return "eval-ifeval";
  if (has("results.jsonl") && has("metrics.json")) return "eval-trace";
  if (has("metrics.json") && hasKey(join(path, "metrics.json"), "prompt_level_strict_acc")) return "eval-ifeval";
  if (has("cfbench_metrics.json")) return "eval-cfbench";
  if (has("complexbench_metrics.json")) return "eval-complexbench";
  if (has("iopo_groups.jsonl")) return "pairs-iopo";
  if (has("dpo_pairs.jsonl")) return "pairs-dpo";
  if (has("trace.jsonl") && has("summary.json")) return "trace-build";
  return undefined;
}

function isExperimentResults(file: string): boolean {
  const v = readJson(file) as { schema?: unknown };
  return typeof v?.schema === "string" && v.schema.startsWith("iopo.results/");
}

function hasKey(file: string, key: string): boolean {
  const v = readJson(file);
  return typeof v === "object" && v !== null && key in v;
}

/** Parse a JSON file; a syntax error names the file. */
export function readJson(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataError(file, undefined, undefined, `not valid JSON: ${(err as Error).message}`);
  }
}

/** Parse a JSONL file into objects; a bad line names the file and line. Blank lines are skipped. */
export function readJsonObjects(file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new DataError(file, i + 1, undefined, `not valid JSON: ${(err as Error).message}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new DataError(file, i + 1, undefined, "expected a JSON object");
    out.push(v as Record<string, unknown>);
  }
  return out;
}

const SKIP_DIRS = new Set(["journal", "stages", "node_modules", "dry_run"]);

/**
 * Folders of a known kind at or below `root` (depth-first, in name order, at most `depth` levels down). A folder of a
 * known kind is not searched further (a train folder's checkpoints, an evaluation's files), except where `descend`
 * says so. Each hit carries its path relative to `root`.
 */
export function findRunFolders(
  root: string,
  depth = 4,
  descend: (kind: FolderKind) => boolean = () => false,
): { path: string; rel: string; kind: FolderKind }[] {
  const out: { path: string; rel: string; kind: FolderKind }[] = [];
  const walk = (dir: string, left: number) => {
    const kind = folderKind(dir);
    if (kind) {
      out.push({ path: dir, rel: relative(root, dir) || ".", kind });
      if (!descend(kind)) return;
    }
    if (left === 0) return;
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !SKIP_DIRS.has(e.name))
        .filter((e) => !/^checkpoint-\d+$/.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      return;
    }
    for (const name of names) walk(join(dir, name), left - 1);
  };
  walk(root, depth);
  return out;
}
