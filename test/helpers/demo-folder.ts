import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeJsonl } from "../../src/data/jsonl.js";
import { BUNDLED_INPUT_DATA } from "../../src/eval/ifeval/data.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { runWorldDemo } from "../../src/world/demo-run.js";
import { generateEvalSet } from "../../src/world/eval-set.js";

/**
 * A run folder shaped like `iopo demo`'s (relative to runs/demo/): data/trace/trace.jsonl (TRACE records with a
 * response), data/dpo/dpo_pairs.jsonl, data/iopo/iopo_groups.jsonl, data/eval/eval.jsonl (held-out world records with
 * 1 to 4 constraints), models/base/ (a tiny random Qwen2 folder) and, with `sft`, models/sft/ (a copy of the base, as
 * if SFT had run); with `ifevalPrompts`, data/ifeval/prompts.jsonl (the first bundled IFEval prompts). The data comes from the real data engine on the constraint world (`runWorldDemo`), so the shipped
 * examples/*.yaml (whose paths are relative to the folder holding runs/) can be run against it with cwd = `root`.
 */
export async function buildDemoFolder(
  options: { seeds?: number; evalRecords?: number; sft?: boolean; ifevalPrompts?: number } = {},
) {
  const root = mkdtempSync(join(tmpdir(), "iopo-demo-shaped-"));
  const demo = join(root, "runs", "demo");
  const world = join(root, "world-run");
  const r = await runWorldDemo({ outputDir: world, seeds: options.seeds ?? 12, seed: 42 });
  const place = (from: string, ...to: string[]) => {
    mkdirSync(join(demo, ...to.slice(0, -1)), { recursive: true });
    copyFileSync(from, join(demo, ...to));
  };
  place(join(r.dirs.trace, "trace.jsonl"), "data", "trace", "trace.jsonl");
  place(join(r.dirs.dpo, "dpo_pairs.jsonl"), "data", "dpo", "dpo_pairs.jsonl");
  place(join(r.dirs.iopo, "iopo_groups.jsonl"), "data", "iopo", "iopo_groups.jsonl");
  rmSync(world, { recursive: true, force: true });
  writeJsonl(join(demo, "data", "eval", "eval.jsonl"), generateEvalSet(options.evalRecords ?? 6, 7, 1, 4, "eval"));
  writeTinyModel(join(demo, "models", "base"), { seed: 3 });
  // The first IFEval prompts (bundled data), for a quick generate -> eval ifeval.
  if (options.ifevalPrompts) {
    const prompts = readFileSync(BUNDLED_INPUT_DATA, "utf8").trim().split("\n").slice(0, options.ifevalPrompts);
    mkdirSync(join(demo, "data", "ifeval"), { recursive: true });
    writeFileSync(join(demo, "data", "ifeval", "prompts.jsonl"), `${prompts.join("\n")}\n`);
  }
  if (options.sft) cpSync(join(demo, "models", "base"), join(demo, "models", "sft"), { recursive: true });
  return { root, demo, counts: { trace: r.trace.rows_out, iopo: r.iopo.rows_out, dpo: r.dpo.rows_out } };
}
