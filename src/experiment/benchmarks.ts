import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonl } from "../data/jsonl.js";
import { writeCfbenchOutputs } from "../eval/cfbench/outputs.js";
import { type CfbenchRecord, readCfbenchData, readCfbenchResponses } from "../eval/cfbench/record.js";
import { type CfbenchParseMode, generateCfbenchResponses, runCfbench } from "../eval/cfbench/run.js";
import { generateComplexbenchResponses } from "../eval/complexbench/generate.js";
import { writeComplexbenchOutputs } from "../eval/complexbench/outputs.js";
import type { ComplexbenchParseMode } from "../eval/complexbench/parse-judge.js";
import {
  type ComplexbenchRecord,
  readComplexbenchData,
  readComplexbenchResponses,
} from "../eval/complexbench/record.js";
import { type ComplexbenchLanguage, runComplexbench } from "../eval/complexbench/run.js";
import { BUNDLED_INPUT_DATA } from "../eval/ifeval/data.js";
import { evalIfeval } from "../eval/ifeval/run.js";
import { createChatModel, type ManagedChatModel } from "../llm/create-chat-model.js";
import type { ChatModel } from "../llm/types.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ensureDir } from "../util/path-error.js";
import type { BenchmarkName, Plan } from "./plan.js";

/**
 * The benchmarks of an experiment (IFEval, CFBench, ComplexBench) on one checkpoint. Each runs through its own
 * `iopo eval` evaluator (src/eval/: the same generation prompts, judge protocol, parsing and scoring) into its own
 * ordinary output folder beside the TRACE evaluation (eval/<row>/seed-<s>/ifeval/, cfbench/, complexbench/), with
 * in-process greedy generation from the checkpoint (chat template, KV-cache decoding, `batchSize` prompts together).
 * A finished benchmark leaves `experiment_benchmark.json` (its metrics) and is not run again; within an unfinished
 * one, saved generations are reused (IFEval's responses.jsonl, CFBench's responses.jsonl, ComplexBench's
 * generations.jsonl) and repeated judge calls come from the response cache.
 *
 * Metric ids (percent): `ifeval/prompt_level_strict_acc`, `ifeval/inst_level_strict_acc`,
 * `ifeval/prompt_level_loose_acc`, `ifeval/inst_level_loose_acc`, `cfbench/CSR`, `cfbench/ISR`, `cfbench/PSR`,
 * `complexbench/DRFR`.
 */

export interface IfevalSettings {
  /** IFEval prompts (the bundled 541 by default). */
  inputData: string;
  limit?: number;
  maxNewTokens: number;
}

interface JudgedSettings {
  dataFile: string;
  maxNewTokens: number;
  judge: ChatModel;
  judgeTemperature: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  judgeConcurrency: number;
}

export interface CfbenchSettings extends JudgedSettings {
  /** The data's records, the first `limit` only. */
  records: readonly CfbenchRecord[];
  parse: CfbenchParseMode;
  rounds: number;
}

export interface ComplexbenchSettings extends JudgedSettings {
  records: readonly ComplexbenchRecord[];
  parse: ComplexbenchParseMode;
  language: ComplexbenchLanguage;
  reask: number;
}

export interface BenchmarkSettings {
  /** Prompts decoded together. */
  batchSize: number;
  ifeval?: IfevalSettings;
  cfbench?: CfbenchSettings;
  complexbench?: ComplexbenchSettings;
}

export interface BenchmarkOutcome {
  /** metric id -> percent (null when the benchmark could not compute it). */
  metrics: Record<string, number | null>;
  seconds: number;
}

const MARKER = "experiment_benchmark.json";

const IFEVAL_METRICS = [
  "prompt_level_strict_acc",
  "inst_level_strict_acc",
  "prompt_level_loose_acc",
  "inst_level_loose_acc",
] as const;

/** The benchmarks a plan's `eval:` configures, with their data read and their judges connected; `close()` after. */
export function openBenchmarks(e: Plan["eval"]): { settings: BenchmarkSettings; close: () => void } | undefined {
  if (!e.ifeval && !e.cfbench && !e.complexbench) return undefined;
  const judges: ManagedChatModel[] = [];
  const judged = (b: NonNullable<Plan["eval"]["cfbench"] | Plan["eval"]["complexbench"]>): JudgedSettings => {
    const judge = createChatModel({
      model: b.judge_model,
      baseUrl: b.judge_base_url,
      concurrency: b.judge_concurrency,
    });
    judges.push(judge);
    return {
      dataFile: b.data,
      maxNewTokens: b.max_new_tokens,
      judge,
      judgeTemperature: b.judge_temperature,
      judgeTopP: b.judge_top_p,
      judgeMaxTokens: b.judge_max_tokens,
      judgeConcurrency: b.judge_concurrency,
    };
  };
  const close = () => {
    for (const j of judges) j.close();
  };
  try {
    const settings: BenchmarkSettings = { batchSize: e.batch_size };
    if (e.ifeval)
      settings.ifeval = {
        inputData: e.ifeval.input_data ?? BUNDLED_INPUT_DATA,
        limit: e.ifeval.limit,
        maxNewTokens: e.ifeval.max_new_tokens,
      };
    if (e.cfbench)
      settings.cfbench = {
        ...judged(e.cfbench),
        records: readCfbenchData(e.cfbench.data).slice(0, e.cfbench.limit),
        parse: e.cfbench.parse,
        rounds: e.cfbench.rounds,
      };
    if (e.complexbench)
      settings.complexbench = {
        ...judged(e.complexbench),
        records: readComplexbenchData(e.complexbench.data).slice(0, e.complexbench.limit),
        parse: e.complexbench.parse,
        language: e.complexbench.language,
        reask: e.complexbench.reask,
      };
    return { settings, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** The configured benchmarks, in run order. */
function configured(s: BenchmarkSettings): BenchmarkName[] {
  return (["ifeval", "cfbench", "complexbench"] as const).filter((b) => s[b] !== undefined);
}

/** The stored outcome of the benchmark folder `dir`, when a previous invocation finished it. */
function readDone(dir: string): BenchmarkOutcome | undefined {
  const f = join(dir, MARKER);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as BenchmarkOutcome) : undefined;
}

/** Whether every configured benchmark of the checkpoint evaluated into `evalDir` has finished. */
export function benchmarksDone(evalDir: string, s: BenchmarkSettings): boolean {
  return configured(s).every((b) => readDone(join(evalDir, b)) !== undefined);
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? null : 100 * v);

/**
 * Run every configured benchmark of the checkpoint `modelDir` into `evalDir/<benchmark>/`, finished ones excepted,
 * and return their metrics (percent) keyed `<benchmark>/<metric>`.
 */
export async function runBenchmarks(
  modelDir: string,
  evalDir: string,
  s: BenchmarkSettings,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<BenchmarkOutcome> {
  let engine: EngineChatModel | undefined;
  // One engine (one ONNX session) for the benchmarks that generate through the ChatModel interface.
  const generator = () => {
    engine ??= new EngineChatModel(modelDir, { batchSize: s.batchSize });
    return engine;
  };
  const out: BenchmarkOutcome = { metrics: {}, seconds: 0 };
  for (const name of configured(s)) {
    const dir = join(evalDir, name);
    let done = readDone(dir);
    if (!done) {
      ensureDir(dir);
      const t0 = Date.now();
      let metrics: Record<string, number | null>;
      if (name === "ifeval") metrics = await runIfeval(modelDir, dir, s, s.ifeval!, onProgress);
      else if (name === "cfbench") metrics = await runCfbenchOn(generator(), dir, s, s.cfbench!, onProgress);
      else metrics = await runComplexbenchOn(generator(), dir, s, s.complexbench!, onProgress);
      done = { metrics, seconds: (Date.now() - t0) / 1000 };
      writeFileAtomic(join(dir, MARKER), `${JSON.stringify({ benchmark: name, ...done }, null, 2)}\n`);
    }
    Object.assign(out.metrics, done.metrics);
    out.seconds += done.seconds;
  }
  return out;
}

/** `iopo eval ifeval --model-dir DIR [--data FILE] [--limit N] --max-tokens M --batch-size B --output-dir dir`. */
async function runIfeval(
  modelDir: string,
  dir: string,
  s: BenchmarkSettings,
  b: IfevalSettings,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<Record<string, number | null>> {
  const scores = await evalIfeval(
    {
      model: modelDir,
      inputData: b.inputData,
      outputDir: dir,
      limit: b.limit,
      maxNewTokens: b.maxNewTokens,
      batchSize: s.batchSize,
      json: false,
      onProgress: (done, total) => onProgress?.("ifeval-generate", done, total),
    },
    // The result files are in `dir`; the experiment prints its own table.
    { out: () => {}, err: () => {} },
  );
  if (!scores) throw new Error("IFEval returned no scores");
  return Object.fromEntries(IFEVAL_METRICS.map((m) => [`ifeval/${m}`, pct(scores.metrics[m])]));
}

/**
 * `iopo eval cfbench --model-dir DIR`: generate (the prompt as one user turn, greedy), saved to responses.jsonl
 * ({idx, response}, the format `--responses` reads) before judging, then judge and score.
 */
async function runCfbenchOn(
  generator: ChatModel,
  dir: string,
  s: BenchmarkSettings,
  b: CfbenchSettings,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<Record<string, number | null>> {
  const responsesFile = join(dir, "responses.jsonl");
  const saved = existsSync(responsesFile) ? readCfbenchResponses(responsesFile) : undefined;
  const responses = await generateCfbenchResponses(
    b.records,
    saved,
    generator,
    { max_tokens: b.maxNewTokens },
    s.batchSize,
    (stage, done, total) => onProgress?.(`cfbench-${stage}`, done, total),
  );
  if (!saved || b.records.some((r) => !saved.has(r.idx)))
    writeJsonl(
      responsesFile,
      b.records.map((r) => ({ idx: r.idx, response: responses.get(r.idx) })),
    );
  const result = await runCfbench({
    records: b.records,
    responses,
    judge: { model: b.judge, temperature: b.judgeTemperature, top_p: b.judgeTopP, max_tokens: b.judgeMaxTokens },
    parseMode: b.parse,
    rounds: b.rounds,
    concurrency: b.judgeConcurrency,
    onProgress: (stage, done, total) => onProgress?.(`cfbench-${stage}`, done, total),
  });
  writeCfbenchOutputs(dir, result, {
    generator_model: generator.model,
    data_file: b.dataFile,
    responses_file: responsesFile,
    max_new_tokens: b.maxNewTokens,
  });
  const m = result.scores;
  return { "cfbench/CSR": pct(m.CSR), "cfbench/ISR": pct(m.ISR), "cfbench/PSR": pct(m.PSR) };
}

/**
 * `iopo eval complexbench --model-dir DIR`: generate (the instruction as one user turn, greedy) into
 * generations.jsonl (the upstream format, paired by position), then the rule + LLM judge pipeline.
 */
async function runComplexbenchOn(
  generator: ChatModel,
  dir: string,
  s: BenchmarkSettings,
  b: ComplexbenchSettings,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<Record<string, number | null>> {
  const generations = join(dir, "generations.jsonl");
  // written whole once every record has its response, so an existing file is complete
  const responses = existsSync(generations)
    ? readComplexbenchResponses(generations, b.records, "position")
    : await generateComplexbenchResponses(
        b.records,
        generator,
        {
          language: b.language,
          temperature: 0,
          params: { max_tokens: b.maxNewTokens },
          concurrency: s.batchSize,
          onProgress: (done, total) => onProgress?.("complexbench-generate", done, total),
        },
        generations,
      );
  const result = await runComplexbench({
    records: b.records,
    responses,
    judge: b.judge,
    temperature: b.judgeTemperature,
    top_p: b.judgeTopP,
    max_tokens: b.judgeMaxTokens,
    parseMode: b.parse,
    language: b.language,
    reask: b.reask,
    concurrency: b.judgeConcurrency,
    onProgress: (done, total) => onProgress?.("complexbench-judge", done, total),
  });
  writeComplexbenchOutputs(dir, result, {
    pair_by: "position",
    data_file: b.dataFile,
    responses_file: generations,
    generator_model: generator.model,
    max_new_tokens: b.maxNewTokens,
  });
  return { "complexbench/DRFR": pct(result.metrics.overall_drfr) };
}
