import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonl } from "../data/jsonl.js";
import { IopoGroupSchema, type TraceRecord } from "../data/schemas.js";
import { defaultJudgeKit, type JudgeLang, type TraceJudgeKit } from "../eval/trace/judge-kit.js";
import { writeTraceOutputs } from "../eval/trace/outputs.js";
import { readTraceData } from "../eval/trace/responses.js";
import { runTrace, type TraceItemResult } from "../eval/trace/run.js";
import type { ChatModel } from "../llm/types.js";
import { encodeTrainingExample } from "../model/chat-encoding.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { computeSequenceLogprobs } from "../model/logprobs.js";
import { loadModelFolder } from "../model/model-folder.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ensureDir } from "../util/path-error.js";
import { type BenchmarkSettings, benchmarksDone, runBenchmarks } from "./benchmarks.js";

/**
 * The evaluation of one checkpoint: greedy generation on the held-out records (in-process, batched with the KV
 * cache), judged per constraint (the world's rule judge through the paper's B.5 prompt, or an LLM judge), written
 * as an ordinary `eval trace` folder (results.jsonl, metrics.json); plus held-out preference accuracy from
 * log-probs alone; plus the plan's benchmarks (IFEval, CFBench, ComplexBench; benchmarks.ts) in subfolders. Returns
 * the metric values the results table reads, and keeps them in `experiment_eval.json` (and each benchmark's marker)
 * so that a rerun does not evaluate the same checkpoint again.
 */

export interface EvalSettings {
  records: readonly TraceRecord[];
  judge: ChatModel;
  kit?: TraceJudgeKit;
  maxNewTokens: number;
  temperature: number;
  batchSize: number;
  judgeConcurrency: number;
  /** Items with more constraints are the out-of-distribution column; null: no such column. */
  maxTrainConstraints: number | null;
  /** Held-out IOPO groups for preference accuracy (absolute path), if any. */
  heldoutGroups?: string;
  /** IFEval / CFBench / ComplexBench, when the plan runs them (benchmarks.ts). */
  benchmarks?: BenchmarkSettings;
  onProgress?: (what: string, done: number, total: number) => void;
}

/** Per-checkpoint values: metric id -> value (percent), plus breakdowns. */
export interface CheckpointEval {
  metrics: Record<string, number | null>;
  /** number of constraints -> [followed, items] */
  byConstraintsNum: Record<string, [number, number]>;
  /** dimension key -> [constraints satisfied, constraints] */
  byDimension: Record<string, [number, number]>;
  seconds: number;
}

const MARKER = "experiment_eval.json";

/** The stored evaluation of `evalDir`, when a previous invocation finished it. */
export function readCheckpointEval(evalDir: string): CheckpointEval | undefined {
  const f = join(evalDir, MARKER);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as CheckpointEval) : undefined;
}

const pct = (a: number, n: number) => (n === 0 ? null : (100 * a) / n);

/** Whether the checkpoint evaluated into `evalDir` has nothing left to do (its TRACE part and every benchmark). */
export function checkpointEvaluated(evalDir: string, s: Pick<EvalSettings, "benchmarks">): boolean {
  return existsSync(join(evalDir, MARKER)) && (!s.benchmarks || benchmarksDone(evalDir, s.benchmarks));
}

/**
 * The whole evaluation of one checkpoint: TRACE and preference accuracy (marker `experiment_eval.json`), then each
 * benchmark (its own folder and marker, see benchmarks.ts); finished parts are read back, not recomputed.
 */
export async function evaluateCheckpoint(modelDir: string, evalDir: string, s: EvalSettings): Promise<CheckpointEval> {
  const own = readCheckpointEval(evalDir) ?? (await evaluateTraceAndPreference(modelDir, evalDir, s));
  if (!s.benchmarks) return own;
  const b = await runBenchmarks(modelDir, evalDir, s.benchmarks, s.onProgress);
  return { ...own, metrics: { ...own.metrics, ...b.metrics }, seconds: own.seconds + b.seconds };
}

async function evaluateTraceAndPreference(modelDir: string, evalDir: string, s: EvalSettings): Promise<CheckpointEval> {
  const started = Date.now();
  const metrics: Record<string, number | null> = {};
  const byConstraintsNum: Record<string, [number, number]> = {};
  const byDimension: Record<string, [number, number]> = {};
  // No TRACE records (a plan of benchmarks only): no generation, no IF columns.
  if (s.records.length > 0) await traceEval(modelDir, evalDir, s, { metrics, byConstraintsNum, byDimension });
  if (s.heldoutGroups) Object.assign(metrics, await preferenceAccuracy(modelDir, s.heldoutGroups));
  ensureDir(evalDir);
  const result: CheckpointEval = { metrics, byConstraintsNum, byDimension, seconds: (Date.now() - started) / 1000 };
  writeFileAtomic(join(evalDir, MARKER), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Generation on the TRACE records, the judge, the IF rates and the breakdowns (into `into`). */
async function traceEval(
  modelDir: string,
  evalDir: string,
  s: EvalSettings,
  into: Pick<CheckpointEval, "metrics" | "byConstraintsNum" | "byDimension">,
): Promise<void> {
  const kit = s.kit ?? defaultJudgeKit;
  const generator = new EngineChatModel(modelDir, { batchSize: s.batchSize, maxNewTokens: s.maxNewTokens });
  const run = await runTrace({
    records: s.records,
    generator,
    generation: { temperature: s.temperature, max_tokens: s.maxNewTokens },
    judge: s.judge,
    judgeTemperature: 0,
    reask: 0,
    kit,
    rules: false,
    // Every record in flight at once: the engine gathers them into batches of batchSize.
    concurrency: Math.max(s.batchSize, s.judgeConcurrency),
    onProgress: (stage, n, total) => s.onProgress?.(stage, n, total),
  });
  writeTraceOutputs(evalDir, s.records, run, { model_dir: modelDir });

  const { metrics, byConstraintsNum, byDimension } = into;
  const followed = (items: readonly TraceItemResult[]) => items.filter((i) => i.followed.all_ten).length;
  const slice = (pred: (n: number) => boolean) => {
    const items = run.items.filter((i) => pred(i.constraints_num));
    return pct(followed(items), items.length);
  };
  const maxIn = s.maxTrainConstraints ?? Number.POSITIVE_INFINITY;
  metrics.if_all = slice(() => true);
  metrics.if_s = slice((n) => n === 1);
  metrics.if_m = slice((n) => n >= 2 && n <= maxIn);
  metrics.if_ood = s.maxTrainConstraints === null ? null : slice((n) => n > maxIn);

  let sat = 0;
  let total = 0;
  for (const item of run.items) {
    const k = String(item.constraints_num);
    byConstraintsNum[k] ??= [0, 0];
    byConstraintsNum[k][0] += item.followed.all_ten ? 1 : 0;
    byConstraintsNum[k][1]++;
    const scores = item.judge.scores ?? [];
    item.levels2.forEach((label, j) => {
      const ok = scores[j] === 10;
      sat += ok ? 1 : 0;
      total++;
      const key = kit.dimension(label)?.key ?? "unknown";
      byDimension[key] ??= [0, 0];
      byDimension[key][0] += ok ? 1 : 0;
      byDimension[key][1]++;
    });
  }
  metrics.constraint_acc = pct(sat, total);
}

/**
 * Held-out preference accuracy from summed response log-probs (no generation): how often the model ranks y1 over
 * y2 under x1 (`pref_acc_x1`, the output preference), y2 over y1 under x2 (`pref_acc_x2`), and both at once
 * (`pref_acc`). Groups longer than the model's context are skipped and counted.
 */
export async function preferenceAccuracy(modelDir: string, groupsFile: string): Promise<Record<string, number | null>> {
  const folder = loadModelFolder(modelDir);
  if (!folder.chatTemplate) throw new Error(`${modelDir}: no chat template; preference accuracy needs one`);
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  const groups = readJsonl(groupsFile, IopoGroupSchema, { allowEmpty: true }).map((r) => r.value);
  const seqs: { ids: Int32Array; responseStart: number }[] = [];
  let skipped = 0;
  for (const g of groups) {
    const four = [
      [g.x1.messages, g.y1],
      [g.x1.messages, g.y2],
      [g.x2.messages, g.y2],
      [g.x2.messages, g.y1],
    ].map(([conversation, response]) =>
      encodeTrainingExample(codec, {
        conversation: conversation as { role: string; content: string }[],
        response: response as string,
      }),
    );
    if (four.some((e) => e.ids.length > folder.config.max_position_embeddings)) {
      skipped++;
      continue;
    }
    seqs.push(...four.map((e) => ({ ids: e.ids, responseStart: e.responseStart })));
  }
  if (seqs.length === 0) return { pref_acc: null, pref_acc_x1: null, pref_acc_x2: null };
  const { createLogprobRunner } = await import("../model/decoder.js");
  const runner = await createLogprobRunner(folder.config);
  const { sum } = await computeSequenceLogprobs(runner, folder.config, folder.checkpoint!.weights, seqs, {
    batchSize: 16,
  });
  let x1 = 0;
  let x2 = 0;
  let both = 0;
  const n = seqs.length / 4;
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = [sum[4 * i], sum[4 * i + 1], sum[4 * i + 2], sum[4 * i + 3]];
    const ok1 = a > b;
    const ok2 = c > d;
    x1 += ok1 ? 1 : 0;
    x2 += ok2 ? 1 : 0;
    both += ok1 && ok2 ? 1 : 0;
  }
  return { pref_acc: pct(both, n), pref_acc_x1: pct(x1, n), pref_acc_x2: pct(x2, n), pref_skipped: skipped };
}

/** The evaluation records of a run (TRACE format). */
export function readEvalRecords(file: string): TraceRecord[] {
  return readTraceData(file);
}

export type { JudgeLang };
