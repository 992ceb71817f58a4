import { existsSync } from "node:fs";
import { join } from "node:path";
import { readJsonl, writeJsonl } from "../data/jsonl.js";
import type { ChatModel } from "../llm/types.js";
import { runPairsJob } from "../pairs/job.js";
import { readPairInputs } from "../pairs/records.js";
import type { RunSummary } from "../stages/pipeline.js";
import { loadCountDistribution } from "../trace/constraint-counts.js";
import type { SeedRow } from "../trace/expand.js";
import { buildTrace } from "../trace/pipeline.js";
import type { Progress } from "../util/progress.js";
import { generateEvalSet } from "../world/eval-set.js";
import { generateSeeds } from "../world/generator.js";
import type { WorldData } from "./plan.js";

/**
 * The data phase: the files every method trains and is evaluated on. For the world (the demo) and for endpoints it
 * runs the project's own chain - `trace build` on disjoint seed splits, then `pairs iopo` and `pairs dpo` on the
 * preference split and `pairs iopo` on the held-out split - into `data/`, each step resuming from its journals; with
 * `files` it takes the user's files as they are.
 *
 *   data/trace/            trace build of the SFT seeds (trace.jsonl: the SFT records)
 *   data/pref-trace/       trace build of the preference seeds
 *   data/iopo/, data/dpo/  pairs iopo / pairs dpo on the preference records (+ dpo_star.jsonl, sft_star.jsonl);
 *                          the preference records are also the rollout prompts of ppo and grpo
 *   data/heldout-trace/, data/heldout-iopo/   the same for held-out groups (preference accuracy)
 *   data/eval/eval.jsonl   held-out evaluation records (TRACE format), 1 to eval_max_constraints constraints
 */
export interface ExperimentData {
  /** Training and evaluation files (absolute). */
  files: {
    sft?: string;
    dpo?: string;
    iopo?: string;
    eval_trace?: string;
    heldout_iopo?: string;
    /** Prompts of the rollout methods (ppo, grpo); absent: the dpo file, else the iopo file. */
    prompts?: string;
  };
  /** Largest number of constraints in a training instruction: evaluation items above it are out of distribution. */
  maxTrainConstraints: number | null;
  /** Summaries of the chain's runs, by folder name (`trace`, `iopo`, ...). */
  summaries: Record<string, RunSummary>;
}

/** The models of the construction chain: the builder (Qwen2-72B's roles) and the judge (GPT-4o's). */
export interface ChainModels {
  model: ChatModel;
  judge: ChatModel;
}

interface ChainOptions {
  dataDir: string;
  models: ChainModels;
  seed: number;
  concurrency: number;
  lang: "en" | "zh";
  /** Distribution of constraints per expanded instruction (constraint-counts.ts spec), cut to [min, max]. */
  counts: string;
  minConstraints?: number;
  maxConstraints?: number;
  progress?: Progress;
}

/** Seed splits (SFT / preference / held-out) through trace build and pairs, as described above. */
export async function buildChain(
  splits: { sft: SeedRow[]; preference: SeedRow[]; heldout: SeedRow[] },
  o: ChainOptions,
): Promise<
  Pick<ExperimentData, "summaries"> & {
    files: Required<Pick<ExperimentData["files"], "sft" | "dpo" | "iopo" | "prompts">> & { heldout_iopo?: string };
  }
> {
  const common = {
    model: o.models.model,
    judgeModel: o.models.judge,
    ctx: { lang: o.lang, seed: o.seed },
    concurrency: o.concurrency,
    progress: o.progress,
  };
  const dir = (name: string) => join(o.dataDir, name);
  const expand = {
    counts: loadCountDistribution(o.counts),
    minConstraints: o.minConstraints,
    maxConstraints: o.maxConstraints,
  };
  const summaries: Record<string, RunSummary> = {};
  summaries.trace = await buildTrace(splits.sft, { ...common, outputDir: dir("trace"), expand });
  summaries["pref-trace"] = await buildTrace(splits.preference, { ...common, outputDir: dir("pref-trace"), expand });
  const prefRecords = join(dir("pref-trace"), "trace.jsonl");
  summaries.iopo = (
    await runPairsJob("iopo", readPairInputs(prefRecords, "y1_x1"), {
      ...common,
      outputDir: dir("iopo"),
      equaliseTokens: true,
    })
  ).summary;
  summaries.dpo = (
    await runPairsJob("dpo", readPairInputs(prefRecords, "chosen"), { ...common, outputDir: dir("dpo") })
  ).summary;
  let heldout: string | undefined;
  if (splits.heldout.length > 0) {
    summaries["heldout-trace"] = await buildTrace(splits.heldout, {
      ...common,
      outputDir: dir("heldout-trace"),
      expand,
    });
    const records = join(dir("heldout-trace"), "trace.jsonl");
    summaries["heldout-iopo"] = (
      await runPairsJob("iopo", readPairInputs(records, "y1_x1"), { ...common, outputDir: dir("heldout-iopo") })
    ).summary;
    heldout = join(dir("heldout-iopo"), "iopo_groups.jsonl");
  }
  return {
    files: {
      sft: join(dir("trace"), "trace.jsonl"),
      dpo: join(dir("dpo"), "dpo_pairs.jsonl"),
      iopo: join(dir("iopo"), "iopo_groups.jsonl"),
      // The rollout methods sample answers to the preference instructions themselves (with their constraint lists,
      // which rule rewards check).
      prompts: prefRecords,
      ...(heldout ? { heldout_iopo: heldout } : {}),
    },
    summaries,
  };
}

/** The world's seed splits: disjoint id prefixes and generator seeds per split. */
export function worldSeedSplits(w: WorldData): { sft: SeedRow[]; preference: SeedRow[]; heldout: SeedRow[] } {
  const split = (prefix: string, n: number, offset: number) =>
    generateSeeds(n, w.seed * 1000 + offset).map((s, i) => ({
      ...s,
      id: `${prefix}-${String(i + 1).padStart(5, "0")}`,
    }));
  return {
    sft: split("sft", w.sft_seeds, 1),
    preference: split("pref", w.preference_seeds, 2),
    heldout: split("heldout", w.heldout_seeds, 3),
  };
}

/** The world's held-out evaluation set: `eval_items_per_count` records for each count 1..eval_max_constraints. */
export function writeWorldEvalSet(w: WorldData, file: string): void {
  if (existsSync(file)) return;
  const counts = w.eval_max_constraints;
  writeJsonl(file, generateEvalSet(w.eval_items_per_count * counts, w.seed, 1, counts, "eval"));
}

/**
 * The largest `constraints_num` (or `constraints_splits` length) over the rows of the given files: TRACE records,
 * IOPO groups (both x1 and x2) or anything else carrying them. null when no row says.
 */
export function maxConstraintsIn(files: readonly (string | undefined)[]): number | null {
  let max: number | null = null;
  const see = (n: unknown) => {
    if (typeof n === "number" && Number.isFinite(n)) max = Math.max(max ?? 0, n);
  };
  const visit = (r: Record<string, unknown>) => {
    if (typeof r.constraints_num === "number") see(r.constraints_num);
    else if (Array.isArray(r.constraints_splits)) see(r.constraints_splits.length);
  };
  for (const f of files) {
    if (!f || !existsSync(f)) continue;
    for (const { value } of readJsonl(f, undefined, { allowEmpty: true })) {
      const row = value as Record<string, unknown>;
      visit(row);
      for (const k of ["x1", "x2"]) if (row[k] && typeof row[k] === "object") visit(row[k] as Record<string, unknown>);
    }
  }
  return max;
}
