import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonl } from "../data/jsonl.js";
import { buildDpoPairs } from "../pairs/dpo-builder.js";
import { buildIopoGroups, operationMix } from "../pairs/iopo-builder.js";
import { readPairInputs } from "../pairs/records.js";
import type { RunSummary } from "../stages/pipeline.js";
import { buildTrace } from "../trace/pipeline.js";
import type { Progress } from "../util/progress.js";
import { generateSeeds } from "./generator.js";
import type { WorldOptions } from "./programs/program.js";
import { WorldChatModel } from "./world-chat-model.js";

/**
 * The main job on the embedded offline default: seed instructions from the world generator go through the real
 * `trace build` chain, then through `pairs iopo` and `pairs dpo`, with the world's programs answering every call
 * (world:constructor in the role of Qwen2-72B, world:judge in the role of GPT-4o). Same code path, files,
 * journals and summaries as a run against an API; a rerun resumes from the journals and makes no call.
 *
 * Run folder: seeds.jsonl, trace/ (trace build), iopo/ (pairs iopo), dpo/ (pairs dpo).
 */
export interface WorldDemoOptions {
  outputDir: string;
  seeds: number;
  seed: number;
  concurrency?: number;
  progress?: Progress;
  world?: Partial<WorldOptions>;
}

export interface WorldDemoResult {
  seedsFile: string;
  dirs: { trace: string; iopo: string; dpo: string };
  trace: RunSummary;
  iopo: RunSummary;
  dpo: RunSummary;
  /** Trace records set aside by the pairs stages because their verdict was not all-10 (normally none). */
  notFullScore: number;
  /** Operation mix of the kept IOPO groups. */
  operations: Record<string, number>;
  /** Calls the world answered in this run, per model (0 when everything was resumed). */
  worldCalls: { constructor: number; judge: number };
}

export async function runWorldDemo(opts: WorldDemoOptions): Promise<WorldDemoResult> {
  const model = new WorldChatModel("constructor", opts.world);
  const judgeModel = new WorldChatModel("judge", opts.world);
  const dirs = {
    trace: join(opts.outputDir, "trace"),
    iopo: join(opts.outputDir, "iopo"),
    dpo: join(opts.outputDir, "dpo"),
  };
  const common = {
    model,
    judgeModel,
    ctx: { lang: "en" as const, seed: opts.seed },
    concurrency: opts.concurrency,
    progress: opts.progress,
  };
  const seeds = generateSeeds(opts.seeds, opts.seed);
  const seedsFile = join(opts.outputDir, "seeds.jsonl");
  writeJsonl(seedsFile, seeds);
  const trace = await buildTrace(seeds, { ...common, outputDir: dirs.trace });

  const records = join(dirs.trace, "trace.jsonl");
  const forIopo = readPairInputs(records, "y1_x1");
  const iopo = await buildIopoGroups(forIopo.rows, { ...common, outputDir: dirs.iopo });
  const forDpo = readPairInputs(records, "chosen");
  const dpo = await buildDpoPairs(forDpo.rows, { ...common, outputDir: dirs.dpo });

  const groups = readFileSync(join(dirs.iopo, "iopo_groups.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { operation?: string });
  return {
    seedsFile,
    dirs,
    trace,
    iopo,
    dpo,
    notFullScore: forIopo.notFullScore.length,
    operations: operationMix(groups),
    worldCalls: { constructor: model.totalCalls(), judge: judgeModel.totalCalls() },
  };
}

/** Count of rejects by "stage: reason", from a run's stage summaries' reject counters. */
export function rejectReasons(summary: RunSummary): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of summary.stages) for (const [r, n] of Object.entries(s.reasons)) out[`${s.stage}: ${r}`] = n;
  return out;
}
