import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { DataError } from "../data/errors.js";
import { readTraceData } from "../eval/trace/responses.js";
import { createChatModel, type ManagedChatModel } from "../llm/create-chat-model.js";
import type { ChatModel } from "../llm/types.js";
import { dataSummary } from "../pairs/data-summary.js";
import { resolveConfig, type TrainConfig } from "../train/config.js";
import { trainFromConfig } from "../train/run.js";
import { writeFileAtomic } from "../util/atomic.js";
import { sha256 } from "../util/hash.js";
import { writeWorldModel } from "../world/model.js";
import { WorldChatModel } from "../world/world-chat-model.js";
import { aggregate, type RunOutcome, resultsMarkdown } from "./aggregate.js";
import { openBenchmarks } from "./benchmarks.js";
import { buildChain, type ExperimentData, maxConstraintsIn, worldSeedSplits, writeWorldEvalSet } from "./data.js";
import { type CheckpointEval, checkpointEvaluated, type EvalSettings, evaluateCheckpoint } from "./evaluate.js";
import {
  type KeySection,
  methodDataset,
  methodSections,
  resolveMethods,
  rewardModelSections,
  START_ROWS,
} from "./methods.js";
import type { MethodSpec, ResolvedPlan } from "./plan.js";
import type { ExperimentResults, MethodInfo } from "./results.js";
import { rewardRegistry } from "./rewards.js";

/**
 * The orchestrator behind `iopo demo` and `iopo experiment`: phases data -> base model -> SFT -> every method x
 * seed from the SFT checkpoint -> evaluation of every checkpoint -> aggregation. Each phase item leaves a marker
 * in the run folder when it finishes, so an interrupted experiment resumes where it stopped: finished data,
 * training runs and evaluations are not redone (training runs that were cut mid-way resume from their last
 * checkpoint). Run folder:
 *
 *   plan.yaml                the resolved plan (a rerun with a different plan is refused)
 *   data/                    see data.ts
 *   models/base, models/sft  the starting model and the SFT checkpoint (an `iopo train` output folder)
 *   train/<method>/seed-<s>  one `iopo train` output folder per method and seed (train/rm/seed-<s>: PPO's reward model)
 *   eval/<row>/seed-<s>      one `eval trace` folder per evaluated checkpoint (results.jsonl, metrics.json), with
 *                            ifeval/, cfbench/, complexbench/ inside for the plan's benchmarks (benchmarks.ts)
 *   results.json, results.md the table (see results.ts)
 */

export interface ExperimentOptions {
  outputDir: string;
  /** Called with one line per phase and per run (the CLI prints them). */
  log?: (line: string) => void;
  /** trainer_log rows of the run being trained (the CLI draws a bar on a TTY). */
  onTrainLog?: (run: string, totalSteps: number, row: Record<string, unknown>) => void;
  onTrainEnd?: (run: string) => void;
  /** Evaluation progress of the checkpoint being evaluated. */
  onEvalProgress?: (run: string, stage: string, done: number, total: number) => void;
}

export interface ExperimentOutcome {
  results: ExperimentResults;
  resultsFile: string;
  markdownFile: string;
}

const DONE = ".experiment_done.json";

interface Phase {
  name: string;
  seconds: number;
  resumed?: boolean;
}

export async function runExperiment(plan: ResolvedPlan, o: ExperimentOptions): Promise<ExperimentOutcome> {
  const out = o.outputDir;
  const log = o.log ?? (() => {});
  mkdirSync(out, { recursive: true });
  const methods = resolveMethods(plan.methods, plan.source);
  checkPlan(plan, methods, out);
  const phases: Phase[] = [];
  const timed = async <T>(name: string, fn: () => Promise<{ value: T; resumed: boolean }>): Promise<T> => {
    const t0 = Date.now();
    log(`== ${name}`);
    const { value, resumed } = await fn();
    const seconds = (Date.now() - t0) / 1000;
    phases.push({ name, seconds, ...(resumed ? { resumed } : {}) });
    log(`   ${name}: ${seconds.toFixed(1)} s${resumed ? " (resumed: nothing left to do)" : ""}`);
    return value;
  };

  const data = await timed("data", () => prepareData(plan, out, log));
  const baseDir = await timed("base model", async () => prepareBase(plan, out, log));
  const sftDir = await timed("sft", () => trainSft(plan, out, baseDir, data, o));

  const runs: RunOutcome[] = [];
  const trained: { spec: MethodSpec & MethodInfo; seed: number; dir: string; outcome: RunOutcome }[] = [];
  await timed("train", async () => {
    let resumed = true;
    for (const seed of plan.seeds) {
      for (const spec of methods) {
        const r = await trainMethod(plan, out, sftDir, data, spec, seed, o);
        resumed &&= r.resumed;
        trained.push({ spec, seed, dir: r.dir, outcome: r.outcome });
      }
    }
    return { value: undefined, resumed };
  });

  const settings = evalSettings(plan, data);
  await timed("evaluate", async () => {
    let resumed = true;
    const evalOne = async (row: string, seed: number, modelDir: string) => {
      const evalDir = join(out, "eval", row, `seed-${seed}`);
      const already = checkpointEvaluated(evalDir, settings.evalSettings);
      resumed &&= already;
      log(`   evaluate ${row} seed ${seed}${already ? " (done)" : ""}`);
      const e = await evaluateCheckpoint(modelDir, evalDir, {
        ...settings.evalSettings,
        onProgress: (stage, n, total) => o.onEvalProgress?.(`${row}/seed-${seed}`, stage, n, total),
      });
      return { evalDir, e };
    };
    const seed0 = plan.seeds[0];
    for (const [row, dir] of [
      ["base", baseDir],
      ["sft", sftDir],
    ] as const) {
      const { evalDir, e } = await evalOne(row, seed0, dir);
      const r = outcome(row, seed0, out, { model_dir: dir, eval_dir: evalDir }, e);
      // The SFT stage's own training log, when the experiment trained it.
      if (row === "sft" && !plan.model.sft) r.train_dir = relative(out, join(out, "models", "sft"));
      runs.push(r);
    }
    for (const t of trained) {
      if (t.outcome.status !== "done") {
        runs.push(t.outcome);
        continue;
      }
      const { evalDir, e } = await evalOne(t.spec.id, t.seed, finalModel(t.dir));
      runs.push({
        ...t.outcome,
        eval_dir: relative(out, evalDir),
        metrics: e.metrics,
        eval: e,
        eval_seconds: e.seconds,
      });
    }
    return { value: undefined, resumed };
  });
  settings.close();

  const results = aggregate({
    name: plan.name,
    plan: planRecord(plan),
    seeds: plan.seeds,
    methods: [...START_ROWS, ...methods.map(({ id, label, kind, description }) => ({ id, label, kind, description }))],
    runs,
    phases,
    data: Object.fromEntries(
      Object.entries(data.files)
        .filter((e): e is [string, string] => typeof e[1] === "string")
        .map(([k, v]) => [k, relative(out, v)]),
    ),
  });
  const resultsFile = join(out, "results.json");
  const markdownFile = join(out, "results.md");
  writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileAtomic(markdownFile, resultsMarkdown(results));
  return { results, resultsFile, markdownFile };
}

/** The plan as written to plan.yaml and results.json (no functions, resolved paths). */
function planRecord(plan: ResolvedPlan): Record<string, unknown> {
  return JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
}

/**
 * A run folder holds one experiment: the settings its finished data, models and runs were made with. `.plan.sha256`
 * fingerprints the plan without its method list and seeds, and a rerun with other settings is refused, naming the
 * top-level sections that differ (`--output-dir` elsewhere, or delete the folder). Rows and seeds may be added
 * (`--with-rl`, `--seeds 5` after 3): each run has its own folder and was trained under the same settings. A row
 * whose own spec (method, data, overrides) changed under the same id is refused too (`.plan-methods.json`).
 * plan.yaml holds the plan of the latest invocation.
 */
function checkPlan(plan: ResolvedPlan, specs: readonly MethodSpec[], out: string): void {
  const file = join(out, "plan.yaml");
  const record = planRecord(plan);
  delete record.source;
  const { methods: _m, seeds: _s, ...settings } = record;
  const text = stringify(settings);
  const hashFile = join(out, ".plan.sha256");
  if (existsSync(hashFile)) {
    const old = readFileSync(hashFile, "utf8").trim();
    if (old !== sha256(text)) {
      const before = existsSync(file) ? (readYamlRecord(file) as Record<string, unknown>) : {};
      const keys = Object.keys({ ...before, ...settings })
        .filter((k) => k !== "methods" && k !== "seeds")
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(settings[k]));
      throw new DataError(
        file,
        undefined,
        undefined,
        `this run folder was made with a different plan (differs in: ${keys.join(", ") || "details"}); ` +
          "use another --output-dir, or delete the folder to start over",
      );
    }
  }
  const methodsFile = join(out, ".plan-methods.json");
  const seen = existsSync(methodsFile)
    ? (JSON.parse(readFileSync(methodsFile, "utf8")) as Record<string, unknown>)
    : {};
  for (const m of specs) {
    const spec = { method: m.method, data: m.data, overrides: m.overrides ?? null };
    if (m.id in seen && JSON.stringify(seen[m.id]) !== JSON.stringify(spec))
      throw new DataError(
        file,
        undefined,
        `methods.${m.id}`,
        `row ${m.id} was trained here as ${JSON.stringify(seen[m.id])}; the plan now says ${JSON.stringify(spec)}. ` +
          "Give the changed row another id, use another --output-dir, or delete the folder",
      );
    seen[m.id] = spec;
  }
  writeFileAtomic(file, `# the resolved plan of the latest run in this folder\n${stringify(record)}`);
  if (!existsSync(hashFile)) writeFileAtomic(hashFile, `${sha256(text)}\n`);
  writeFileAtomic(methodsFile, `${JSON.stringify(seen, null, 2)}\n`);
}

/** plan.yaml as written by checkPlan (JSON-safe values). */
function readYamlRecord(file: string): unknown {
  return parseYaml(readFileSync(file, "utf8")) ?? {};
}

// ---- data ------------------------------------------------------------------------------------------------------

async function prepareData(
  plan: ResolvedPlan,
  out: string,
  log: (s: string) => void,
): Promise<{ value: ExperimentData; resumed: boolean }> {
  const dataDir = join(out, "data");
  const marker = join(dataDir, DONE);
  if (existsSync(marker)) return { value: JSON.parse(readFileSync(marker, "utf8")) as ExperimentData, resumed: true };
  let data: ExperimentData;
  if (plan.data.source === "files") {
    const files = plan.data.files ?? {};
    for (const [k, f] of Object.entries(files))
      if (f && !existsSync(f)) throw new DataError(f, undefined, undefined, `data.files.${k}: file not found`);
    data = {
      files: { ...files },
      maxTrainConstraints: maxConstraintsIn([files.sft, files.iopo]),
      summaries: {},
    };
  } else if (plan.data.source === "world") {
    const w = plan.data.world!;
    const models = { model: new WorldChatModel("constructor"), judge: new WorldChatModel("judge") };
    const chain = await buildChain(worldSeedSplits(w), {
      dataDir,
      models,
      seed: w.seed,
      concurrency: 16,
      lang: "en",
      counts: w.constraint_counts,
      minConstraints: w.min_constraints,
      maxConstraints: w.max_constraints,
    });
    const evalFile = join(dataDir, "eval", "eval.jsonl");
    writeWorldEvalSet(w, evalFile);
    data = {
      files: { ...chain.files, eval_trace: evalFile },
      maxTrainConstraints: maxConstraintsIn([chain.files.sft, chain.files.iopo]),
      summaries: chain.summaries,
    };
    const calls = models.model.totalCalls() + models.judge.totalCalls();
    log(`   world: ${calls} calls answered by the constraint world's programs`);
  } else {
    data = await endpointData(plan, dataDir, log);
  }
  for (const [name, s] of Object.entries(data.summaries))
    log(
      `   ${name.padEnd(14)} in ${s.rows_in}, kept ${s.rows_out}, rejected ${s.rejected}, call failures ${s.call_failures}`,
    );
  if (!data.files.sft && !plan.model.sft)
    throw new DataError(plan.source, undefined, "data", "no SFT data for the SFT stage");
  if (plan.data.source !== "files" && data.files.sft) {
    // The built data beside the paper's: constraints per instruction (Table 2), operation mix, DPO filter.
    const lines = dataSummary({ traceFile: data.files.sft, groupsFile: data.files.iopo, pairsFile: data.files.dpo });
    for (const l of lines) log(`   ${l}`);
  }
  writeFileAtomic(marker, `${JSON.stringify(data, null, 2)}\n`);
  return { value: data, resumed: false };
}

async function endpointData(plan: ResolvedPlan, dataDir: string, log: (s: string) => void): Promise<ExperimentData> {
  const e = plan.data.endpoint!;
  const seeds = readSeedFile(e.seeds);
  const [a, b] = e.split;
  const total = e.split[0] + e.split[1] + e.split[2];
  const n1 = Math.round((seeds.length * a) / total);
  const n2 = Math.round((seeds.length * b) / total);
  const model = createChatModel({
    model: e.model,
    baseUrl: e.base_url,
    concurrency: e.concurrency,
    maxBudget: e.max_budget,
  });
  const judge = createChatModel({
    model: e.judge_model ?? e.model,
    baseUrl: e.judge_base_url ?? e.base_url,
    concurrency: e.concurrency,
  });
  try {
    log(`   endpoint: builder ${e.model}, judge ${e.judge_model ?? e.model}`);
    const chain = await buildChain(
      { sft: seeds.slice(0, n1), preference: seeds.slice(n1, n1 + n2), heldout: seeds.slice(n1 + n2) },
      {
        dataDir,
        models: { model, judge },
        seed: plan.seeds[0],
        concurrency: e.concurrency,
        lang: e.lang === "zh" ? "zh" : "en",
        counts: e.constraint_counts,
      },
    );
    const files = {
      ...chain.files,
      ...(plan.data.files?.eval_trace ? { eval_trace: plan.data.files.eval_trace } : {}),
    };
    return { files, maxTrainConstraints: maxConstraintsIn([files.sft, files.iopo]), summaries: chain.summaries };
  } finally {
    model.close();
    judge.close();
  }
}

function readSeedFile(file: string): { id: string; instruction: string }[] {
  return readTraceData(file) as unknown as { id: string; instruction: string }[];
}

// ---- models ----------------------------------------------------------------------------------------------------

function prepareBase(plan: ResolvedPlan, out: string, log: (s: string) => void): { value: string; resumed: boolean } {
  if (plan.model.base !== "world") return { value: plan.model.base, resumed: true };
  const dir = join(out, "models", "base");
  if (existsSync(join(dir, "model.safetensors"))) return { value: dir, resumed: true };
  const { parameters } = writeWorldModel(dir, plan.model.world);
  log(
    `   world model: ${(parameters / 1e6).toFixed(2)} M parameters (Qwen2 architecture, word-level tokenizer) in ${dir}`,
  );
  return { value: dir, resumed: false };
}

/** `iopo train` config for one run: the plan's section(s), then what the experiment fixes (model, data, output). */
function runConfig(plan: ResolvedPlan, sections: readonly KeySection[], fixed: Record<string, unknown>): TrainConfig {
  return resolveConfig([
    ...sections.map((s) => ({ source: `${plan.source} (${s.name})`, values: s.values, lines: {} })),
    { source: "experiment", values: fixed, lines: {} },
  ]);
}

async function trainSft(
  plan: ResolvedPlan,
  out: string,
  baseDir: string,
  data: ExperimentData,
  o: ExperimentOptions,
): Promise<{ value: string; resumed: boolean }> {
  if (plan.model.sft) return { value: plan.model.sft, resumed: true };
  const dir = join(out, "models", "sft");
  const cfg = runConfig(plan, [{ name: "sft", values: plan.sft ?? {} }], {
    model_name_or_path: baseDir,
    method: "sft",
    dataset: data.files.sft,
    output_dir: dir,
    seed: plan.seeds[0],
  });
  const r = await trainOnce(cfg, "sft", o);
  if (r.status !== "done") throw new Error(`the SFT stage failed: ${r.error}`);
  return { value: finalModel(dir), resumed: r.resumed };
}

async function trainMethod(
  plan: ResolvedPlan,
  out: string,
  sftDir: string,
  data: ExperimentData,
  spec: MethodSpec & MethodInfo,
  seed: number,
  o: ExperimentOptions,
): Promise<{ dir: string; resumed: boolean; outcome: RunOutcome }> {
  const dir = join(out, "train", spec.id, `seed-${seed}`);
  const dataset = methodDataset(data.files, spec.data);
  const base: RunOutcome = {
    method: spec.id,
    seed,
    status: "done",
    metrics: {},
    model_dir: relative(out, dir),
    train_dir: relative(out, dir),
  };
  if (!dataset) {
    return {
      dir,
      resumed: true,
      outcome: { ...base, status: "skipped", error: `no ${spec.data} data in this plan` },
    };
  }
  const fixed: Record<string, unknown> = {
    model_name_or_path: sftDir,
    method: spec.method,
    dataset,
    output_dir: dir,
    seed,
  };
  let rm: (TrainOutcome & { dir: string }) | undefined;
  if (spec.method === "ppo") {
    // The paper's PPO baseline learns from a reward model; it is trained here on the same DPO pairs, from the same
    // SFT checkpoint, once per seed (train/rm/seed-<s>).
    rm = await trainRewardModel(plan, out, sftDir, data, seed, o);
    if (rm.status !== "done")
      return { dir, resumed: rm.resumed, outcome: { ...base, status: rm.status, error: `reward model: ${rm.error}` } };
    fixed.reward_model_path = finalModel(rm.dir);
  }
  const sections = methodSections(plan, spec);
  const rewardsGiven = sections.some((s) => s.values.reward_funcs !== undefined);
  if (spec.method === "grpo" && !rewardsGiven && plan.data.source === "world") fixed.reward_funcs = ["world"]; // the world's rule checks: the share of the instruction's constraints met
  const cfg = runConfig(plan, sections, fixed);
  const r = await trainOnce(cfg, `${spec.id}/seed-${seed}`, o);
  return {
    dir,
    resumed: r.resumed && (rm?.resumed ?? true),
    outcome: {
      ...base,
      status: r.status,
      ...(r.error ? { error: r.error } : {}),
      steps: r.steps,
      examples: r.examples,
      train_seconds: r.seconds,
      ...(rm ? { reward_model_dir: relative(out, rm.dir), reward_model_seconds: rm.seconds } : {}),
    },
  };
}

/** PPO's reward model for one seed: `method: rm` on the DPO pairs (else the IOPO groups' pairs) from the SFT model. */
async function trainRewardModel(
  plan: ResolvedPlan,
  out: string,
  sftDir: string,
  data: ExperimentData,
  seed: number,
  o: ExperimentOptions,
): Promise<TrainOutcome & { dir: string }> {
  const dir = join(out, "train", "rm", `seed-${seed}`);
  const pairs = data.files.dpo ?? data.files.iopo;
  if (!pairs) return { dir, status: "failed", error: "no preference pairs to train it on", resumed: false };
  const cfg = runConfig(plan, rewardModelSections(plan), {
    model_name_or_path: sftDir,
    method: "rm",
    dataset: pairs,
    output_dir: dir,
    seed,
  });
  return { ...(await trainOnce(cfg, `rm/seed-${seed}`, o)), dir };
}

interface TrainOutcome {
  status: "done" | "failed";
  error?: string;
  steps?: number;
  examples?: number;
  seconds?: number;
  resumed: boolean;
}

/**
 * One `iopo train` run through the library (same code path as the command), resumed when cut before; a finished
 * run (marker) is not touched. A failed run is recorded as failed and the experiment goes on with the others; the
 * SFT stage's failure stops it.
 */
async function trainOnce(cfg: TrainConfig, name: string, o: ExperimentOptions): Promise<TrainOutcome> {
  const marker = join(cfg.output_dir, DONE);
  if (existsSync(marker)) {
    o.log?.(`   train ${name} (done)`);
    return { ...(JSON.parse(readFileSync(marker, "utf8")) as TrainOutcome), resumed: true };
  }
  o.log?.(`   train ${name}: ${cfg.method} on ${relativeToCwd(cfg.dataset)}`);
  const t0 = Date.now();
  let totalSteps = 0;
  try {
    const r = await trainFromConfig(cfg, {
      resume: true,
      // the same reward functions `iopo train` offers, for grpo's reward_funcs
      rewards: rewardRegistry(),
      onLog: (row) => {
        totalSteps = Number(row.total_steps ?? totalSteps);
        o.onTrainLog?.(name, totalSteps, row);
      },
    });
    o.onTrainEnd?.(name);
    const examples = r.globalStep * cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps;
    const outcome: TrainOutcome = {
      status: "done",
      steps: r.globalStep,
      examples,
      seconds: (Date.now() - t0) / 1000,
      resumed: false,
    };
    dropCheckpoints(cfg.output_dir);
    writeFileAtomic(marker, `${JSON.stringify(outcome, null, 2)}\n`);
    return outcome;
  } catch (err) {
    o.onTrainEnd?.(name);
    if (err instanceof DataError) throw err;
    const error = (err as Error).message;
    o.log?.(`   train ${name} FAILED: ${error}`);
    return { status: "failed", error, seconds: (Date.now() - t0) / 1000, resumed: false };
  }
}

/** A finished run keeps its final model (output_dir itself); the checkpoints, needed only to resume, go. */
function dropCheckpoints(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory() && /^checkpoint-\d+$/.test(e.name)) rmSync(join(dir, e.name), { recursive: true, force: true });
}

/** The model a train output folder holds: the merged full model of a LoRA run, else the folder itself. */
function finalModel(dir: string): string {
  return existsSync(join(dir, "merged", "config.json")) ? join(dir, "merged") : dir;
}

function relativeToCwd(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") ? p : r;
}

// ---- evaluation ------------------------------------------------------------------------------------------------

function evalSettings(plan: ResolvedPlan, data: ExperimentData): { evalSettings: EvalSettings; close: () => void } {
  const file = data.files.eval_trace;
  const benchmarks = openBenchmarks(plan.eval);
  // A plan of benchmarks only has no TRACE records (plan.ts refuses a plan with nothing to evaluate).
  if (!file && !benchmarks)
    throw new DataError(plan.source, undefined, "data", "no evaluation records (data.files.eval_trace)");
  const records = file ? readTraceData(file) : [];
  const t = plan.eval.trace;
  let judge: ChatModel;
  let managed: ManagedChatModel | undefined;
  if (t.judge === "world" || !file) judge = new WorldChatModel("judge");
  else {
    managed = createChatModel({ model: t.judge_model!, baseUrl: t.judge_base_url, concurrency: t.judge_concurrency });
    judge = managed;
  }
  const limited = t.limit ? records.slice(0, t.limit) : records;
  return {
    evalSettings: {
      records: limited,
      judge,
      maxNewTokens: plan.eval.max_new_tokens,
      temperature: plan.eval.temperature,
      batchSize: plan.eval.batch_size,
      judgeConcurrency: t.judge_concurrency,
      maxTrainConstraints: data.maxTrainConstraints,
      heldoutGroups: plan.eval.preference_accuracy ? data.files.heldout_iopo : undefined,
      benchmarks: benchmarks?.settings,
    },
    close: () => {
      managed?.close();
      benchmarks?.close();
    },
  };
}

function outcome(
  row: string,
  seed: number,
  out: string,
  dirs: { model_dir: string; eval_dir: string },
  e: CheckpointEval,
): RunOutcome {
  return {
    method: row,
    seed,
    status: "done",
    metrics: e.metrics,
    model_dir: relative(out, dirs.model_dir),
    eval_dir: relative(out, dirs.eval_dir),
    eval_seconds: e.seconds,
    eval: e,
  };
}
