import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DataError } from "../data/errors.js";
import { JsonlJournal, readJournal, writeJsonl } from "../data/jsonl.js";
import { canonicalJson, shortHash } from "../util/hash.js";
import { AdamW } from "./adamw.js";
import { AdamWWorkerPool, sharedState } from "./adamw-parallel.js";
import {
  checkpointModelDir,
  hfTrainerState,
  loadCheckpoint,
  type ResumePoint,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import { clipGradNorm } from "./clip.js";
import type { TrainConfig } from "./config.js";
import { trainingMethod } from "./dataset.js";
import { DivergenceMonitor } from "./divergence.js";
import type { LossOptions } from "./losses/index.js";
import type { TrainableModel } from "./model-api.js";
import { isOnlineMethod, ONLINE_ONLY_KEYS } from "./online/config.js";
import { type OutputDirDecision, prepareOutputDir } from "./output-dir.js";
import { type DataPlan, dataPlanOf } from "./plan.js";
import { LrSchedule } from "./schedule.js";

export function lossOptionsFromConfig(cfg: TrainConfig): LossOptions {
  return {
    beta: cfg.beta,
    labelSmoothing: cfg.label_smoothing,
    // the GRPO loss types never reach here (the config refuses them for the preference methods)
    lossType: cfg.loss_type as LossOptions["lossType"],
    prefFtx: cfg.pref_ftx,
    simpoGamma: cfg.simpo_gamma,
  };
}

/**
 * The run diverged: a non-finite loss or gradient norm, or a sustained divergence without NaN (src/train/divergence.ts).
 * The run stops, nothing more is saved, the last good checkpoint stays.
 */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    /** What went wrong, e.g. "non-finite loss". */
    readonly what: string,
    readonly lastCheckpoint: string | undefined,
    /** How it went wrong, and what to do (optional). */
    detail?: string,
  ) {
    super(
      `${what} at step ${step}${detail ? `: ${detail}` : ""}. Stopped without saving. ` +
        (lastCheckpoint
          ? `Last good checkpoint: ${lastCheckpoint} (--resume continues from it)`
          : "No checkpoint was written before it."),
    );
    this.name = "TrainingDivergedError";
  }
}

/** Keys added to the config after config_hash was introduced: left out of it, so old checkpoints keep their hash. */
const KEYS_AFTER_CONFIG_HASH = [
  "overwrite_output_dir",
  "divergence_factor",
  "divergence_window",
  "divergence_patience",
  "stop_on_divergence",
] as const;
/**
 * Keys that do not change the trained parameters (where the run writes, how often it logs, evaluates and saves, the
 * divergence watch): a resumed run may give other values. Hugging Face's Trainer compares nothing on resume.
 */
const NOT_COMPARED_ON_RESUME = [
  "output_dir",
  "logging_steps",
  "save_steps",
  "eval_steps",
  "per_device_eval_batch_size",
  // ppo, grpo: whether the sampled completions are written to completions.jsonl
  "log_completions",
  ...KEYS_AFTER_CONFIG_HASH,
] as const;
/** Keys that only set the step budget: a resumed run may extend (or shorten) it, as Hugging Face's Trainer allows. */
const BUDGET_KEYS = ["max_steps", "num_train_epochs"] as const;

export interface TrainRunOptions<Row> {
  config: TrainConfig;
  model: TrainableModel<Row>;
  train: readonly Row[];
  eval?: readonly Row[];
  /**
   * Continue from the newest intact checkpoint in output_dir (a fresh start if there is none). Without it, an
   * output_dir holding a previous run is refused unless the config's overwrite_output_dir (src/train/output-dir.ts).
   */
  resume?: boolean;
  /** output_dir as prepareOutputDir left it, when the caller checked it already (trainFromConfig does, up front). */
  prepared?: OutputDirDecision;
  /** Status lines: resuming, damaged checkpoints passed over, warnings of the divergence watch. */
  onStatus?: (message: string) => void;
  /** Stop after this many optimizer steps of this invocation, as if killed (tests of resume). */
  stopAfter?: number;
  /** Seconds clock (injectable so logs are reproducible in tests). */
  clock?: () => number;
  /** Called with every row written to trainer_log.jsonl (progress display). */
  onLog?: (row: Record<string, unknown>) => void;
  /**
   * Worker threads for the AdamW update (results are bit-identical). Default 1 (main thread): on the 2-core
   * development machine, under load, 2 threads measured no faster (bench/train-adamw.ts).
   */
  optimizerThreads?: number;
}

export interface TrainRunResult {
  /** Optimizer steps completed overall. */
  globalStep: number;
  /** The step this invocation started from (> 0 after resume). */
  startStep: number;
  totalSteps: number;
  lastCheckpoint: string | undefined;
  finished: boolean;
}

/** Weighted running means of named values. */
export class WeightedMeans {
  sums = new Map<string, number>();
  weights = new Map<string, number>();
  add(values: Record<string, number>, w: number): void {
    for (const [k, v] of Object.entries(values)) {
      this.sums.set(k, (this.sums.get(k) ?? 0) + w * v);
      this.weights.set(k, (this.weights.get(k) ?? 0) + w);
    }
  }
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / this.weights.get(k)!;
    return out;
  }
}

/**
 * The training loop: data plan, gradient accumulation, clipping, AdamW, LR schedule, trainer_log.jsonl with
 * TRL metric names, evaluation on the validation split (eval_ prefix), atomic checkpoints and resume.
 *
 * Gradient accumulation is exact: micro-batch gradients are weighted by their share of the step's examples
 * (SFT: the summed NLL is divided by the step's total response tokens), so a step of 8 micro-batches of 1
 * equals one batch of 8.
 *
 * Phases: prepareRun (data plan, schedule, optimizer), restoreOrStart (resume), then per optimizer step
 * forwardBackward, clipGradients, optimizerStep and the log / eval / checkpoint rows; finish saves the model.
 */
export async function runTraining<Row>(o: TrainRunOptions<Row>): Promise<TrainRunResult> {
  const status = o.onStatus ?? (() => {});
  const prepared =
    o.prepared ??
    prepareOutputDir(o.config.output_dir, { resume: o.resume, overwrite: o.config.overwrite_output_dir }, status);
  const run = prepareRun(o);
  try {
    // everything after the worker pool exists runs under this try, so that every exit path closes it
    const log = restoreOrStart(run, prepared.resumeFrom);
    const window = new LogWindow(run.clock());
    try {
      for (let step = run.start; step < run.total; step++) {
        if (o.stopAfter !== undefined && window.stepsThisRun >= o.stopAfter)
          return {
            globalStep: step,
            startStep: run.start,
            totalSteps: run.total,
            lastCheckpoint: run.lastCheckpoint,
            finished: false,
          };
        const batch = await forwardBackward(run, step); // all micro-batches, gradients accumulated
        const gradNorm = clipGradients(run, step, batch); // stops the run on a non-finite loss or norm
        watchDivergence(run, step, batch.loss, gradNorm); // stops the run on a sustained divergence
        const lr = await optimizerStep(run, step, batch.grads);
        window.addStep({ loss: batch.loss, grad_norm: gradNorm, ...batch.metrics }, batch.tokens);
        const done = step + 1;
        if (isLogStep(run, done)) logTraining(run, log, window, done, lr);
        if (isEvalStep(run, done)) await evaluate(run, log, done);
        if (isSaveStep(run, done) || run.savePending) saveOrPostpone(run, log, window, done);
      }
    } finally {
      log.close();
    }
  } finally {
    await run.pool?.close();
  }
  return finish(run);
}

/** What the phases of a run share: its data plan, schedule and optimizer, where it writes, and its progress. */
interface Run<Row> {
  o: TrainRunOptions<Row>;
  cfg: TrainConfig;
  clock: () => number;
  lossOpts: LossOptions;
  plan: DataPlan;
  total: number;
  schedule: LrSchedule;
  optimizer: AdamW;
  /** worker threads for the AdamW update (optimizerThreads > 1) */
  pool: AdamWWorkerPool | undefined;
  outDir: string;
  logFile: string;
  configHash: string;
  /** First optimizer step of this invocation (> 0 after resume). */
  start: number;
  /** Seconds trained before this invocation (resume). */
  elapsedBefore: number;
  tokensSeen: number;
  lastCheckpoint: string | undefined;
  resumedFrom: string | undefined;
  status: (message: string) => void;
  /** The divergence watch (state restored on resume). */
  monitor: DivergenceMonitor;
  /** A save step fell inside a divergence streak: save at the next good step instead. */
  savePending: boolean;
}

/** The data plan, LR schedule, AdamW (on a worker pool when asked) and the output folder. */
function prepareRun<Row>(o: TrainRunOptions<Row>): Run<Row> {
  const cfg = o.config;
  const plan = dataPlanOf(cfg, o.train.length);
  const total = plan.totalSteps;
  const schedule = new LrSchedule(cfg.lr_scheduler_type, cfg.learning_rate, total, cfg.warmup_ratio, cfg.warmup_steps);
  const threads = Math.min(o.optimizerThreads ?? 1, availableParallelism());
  const pool = threads > 1 ? new AdamWWorkerPool(threads) : undefined;
  const optimizer = new AdamW(
    {
      lr: cfg.learning_rate,
      beta1: cfg.adam_beta1,
      beta2: cfg.adam_beta2,
      eps: cfg.adam_epsilon,
      weightDecay: cfg.weight_decay,
    },
    pool ? sharedState : undefined,
  );
  const outDir = cfg.output_dir;
  mkdirSync(outDir, { recursive: true });
  return {
    o,
    cfg,
    clock: o.clock ?? (() => performance.now() / 1000),
    lossOpts: lossOptionsFromConfig(cfg),
    plan,
    total,
    schedule,
    optimizer,
    pool,
    outDir,
    logFile: join(outDir, "trainer_log.jsonl"),
    configHash: legacyConfigHash(cfg),
    start: 0,
    elapsedBefore: 0,
    tokensSeen: 0,
    lastCheckpoint: undefined,
    resumedFrom: undefined,
    status: o.onStatus ?? (() => {}),
    monitor: new DivergenceMonitor({
      factor: cfg.divergence_factor,
      window: cfg.divergence_window,
      patience: cfg.divergence_patience,
    }),
    savePending: false,
  };
}

/**
 * trainer_state.json's config_hash: the config without output_dir, and without the keys added after the hash was
 * introduced (so that checkpoints written before them still match their own config). Resume compares the recorded
 * train_config key by key; the hash is only the fallback for checkpoints that carry no train_config.
 */
export function legacyConfigHash(cfg: TrainConfig): string {
  const without: Record<string, unknown> = { ...cfg, output_dir: undefined };
  for (const k of KEYS_AFTER_CONFIG_HASH) without[k] = undefined;
  // the online keys came later too; the other methods only ever hold their defaults (checkOnlineConfig)
  if (!isOnlineMethod(cfg.method)) for (const k of ONLINE_ONLY_KEYS) without[k] = undefined;
  return shortHash(canonicalJson(without));
}

/** "learning_rate: 0.05 in the checkpoint, 1 now" for every compared key whose value differs. */
function configDifferences(old: Record<string, unknown>, now: TrainConfig): string[] {
  const skip = new Set<string>([...NOT_COMPARED_ON_RESUME, ...BUDGET_KEYS]);
  // The online methods' keys (rm, ppo, grpo) hold their defaults in every other method's config (checkOnlineConfig
  // refuses other values), and checkpoints written before those keys existed do not record them.
  if (!isOnlineMethod(now.method)) for (const k of ONLINE_ONLY_KEYS) skip.add(k);
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => !skip.has(k)).sort();
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  return keys
    .filter((k) => canonicalJson(old[k]) !== canonicalJson((now as Record<string, unknown>)[k]))
    .map((k) => `${k}: ${show(old[k])} in the checkpoint, ${show((now as Record<string, unknown>)[k])} now`);
}

/**
 * Whether `point` may be resumed with `cfg` (a DataError naming trainer_state.json and the differing keys if not):
 * the recorded train_config must equal `cfg` except the step budget and NOT_COMPARED_ON_RESUME (checkpoints without a
 * record compare `configHash`), and the checkpoint's step must be within the `total` steps of `cfg`. Shared by the
 * offline trainer and the online loop (src/train/online/loop.ts).
 */
export function checkResumePoint(point: ResumePoint, cfg: TrainConfig, total: number, configHash: string): void {
  const stateFile = join(point.dir, "trainer_state.json");
  const recorded = point.state.train_config;
  if (recorded) {
    const diff = configDifferences(recorded, cfg);
    if (diff.length)
      throw new DataError(
        stateFile,
        undefined,
        undefined,
        `was written with a different configuration (${diff.join("; ")}); --resume continues a run with the same ` +
          "config, except the step budget (max_steps, num_train_epochs) and the logging, evaluation and save cadence",
      );
  } else if (point.state.config_hash !== configHash)
    throw new DataError(
      stateFile,
      undefined,
      undefined,
      "was written with a different configuration (this checkpoint predates the per-key record, so the differing " +
        "keys cannot be named); resume needs the same config",
    );
  if (point.state.global_step > total)
    throw new DataError(
      stateFile,
      undefined,
      "global_step",
      `the checkpoint is at step ${point.state.global_step}, past this config's ${total} steps ` +
        "(max_steps / num_train_epochs): give a budget of at least that many steps",
    );
}

/** The status line of a resume whose step budget changed (undefined when it did not). */
export function budgetChangeNote(state: TrainerState, cfg: TrainConfig, total: number): string | undefined {
  if (state.max_steps === total) return undefined;
  return (
    `the step budget changed from ${state.max_steps} to ${total}: continuing from step ${state.global_step} ` +
    `with the ${cfg.lr_scheduler_type} schedule computed for ${total} steps (as Hugging Face's Trainer does)`
  );
}

/**
 * With a checkpoint to resume from (prepareOutputDir chose the newest intact one): the optimizer state, parameters,
 * progress counters and the log rows up to that checkpoint (later rows are dropped). Otherwise a fresh
 * trainer_log.jsonl.
 *
 * The config must be the checkpoint's, except the step budget (max_steps, num_train_epochs) and the keys that do
 * not change what is computed (NOT_COMPARED_ON_RESUME). A changed budget continues the run to the new total as
 * Hugging Face's Trainer does: the data order is the same (a function of seed and epoch), and the learning-rate
 * schedule is the same definition evaluated for the new total from the resumed step on (HF rebuilds the scheduler
 * for the new max_steps and restores only its step counter), so a cosine or linear decay is stretched from there;
 * with a constant schedule the extended run equals an uninterrupted run of the new length.
 */
function restoreOrStart<Row>(run: Run<Row>, point: ResumePoint | undefined): TrainerLog {
  if (!point) {
    writeJsonl(run.logFile, []);
    return new TrainerLog(run.logFile, [], run.o.onLog);
  }
  const from = point.dir;
  checkResumePoint(point, run.cfg, run.total, run.configHash);
  const state = loadCheckpoint(from, run.optimizer);
  const budget = budgetChangeNote(state, run.cfg, run.total);
  if (budget) run.status(budget);
  run.o.model.load(checkpointModelDir(from));
  if (state.divergence) run.monitor = new DivergenceMonitor(run.monitor.options, { recent: state.divergence.recent });
  run.start = state.global_step;
  run.elapsedBefore = state.elapsed_time;
  run.tokensSeen = state.num_input_tokens_seen ?? 0;
  run.lastCheckpoint = from;
  run.resumedFrom = from;
  let history = readJournal<Record<string, unknown>>(run.logFile).slice(0, state.log_rows);
  if (history.length < state.log_rows && state.log_history) history = [...state.log_history]; // log lost: the checkpoint has it
  writeJsonl(run.logFile, history); // drop rows logged after the checkpoint
  return new TrainerLog(run.logFile, history, run.o.onLog);
}

/** trainer_log.jsonl, appended row by row, and its rows so far (a checkpoint's log_history). */
export class TrainerLog {
  private readonly journal: JsonlJournal;
  constructor(
    file: string,
    readonly history: Record<string, unknown>[],
    private readonly onLog?: (row: Record<string, unknown>) => void,
  ) {
    this.journal = new JsonlJournal(file);
  }
  write(row: Record<string, unknown>): void {
    this.journal.append(row);
    this.history.push(row);
    this.onLog?.(row);
  }
  close(): void {
    this.journal.close();
  }
}

/** The training rows' metrics between two log rows, and the time and tokens for tokens/s and the ETA. */
export class LogWindow {
  /** Optimizer steps of this invocation. */
  stepsThisRun = 0;
  means = new WeightedMeans();
  tokens = 0;
  private start: number;
  constructor(readonly t0: number) {
    this.start = t0;
  }
  addStep(values: Record<string, number>, tokens: number): void {
    this.stepsThisRun++;
    this.means.add(values, 1);
    this.tokens += tokens;
  }
  /** Tokens per second since the window opened (at `now`); then a new window opens. */
  close(now: number): number {
    const rate = this.tokens / Math.max(now - this.start, 1e-9);
    this.means = new WeightedMeans();
    this.tokens = 0;
    this.start = now;
    return rate;
  }
}

/** One optimizer step's micro-batches: forward + backward each, gradients accumulated with their weights. */
async function forwardBackward<Row>(run: Run<Row>, step: number) {
  const { o, lossOpts } = run;
  const method = trainingMethod(run.cfg);
  const micro = run.plan.microBatches(step);
  const nRows = micro.reduce((a, m) => a + m.length, 0);
  const stepTokens = method === "sft" ? micro.flat().reduce((a, i) => a + o.model.responseTokens(o.train[i]), 0) : 0;
  const grads = new Map<string, Float32Array>();
  for (const [name, p] of o.model.params) grads.set(name, new Float32Array(p.length));
  let loss = 0;
  let tokens = 0;
  const metrics = new WeightedMeans();
  for (const m of micro) {
    const rows = m.map((i) => o.train[i]);
    const share = rows.length / nRows;
    const opts = method === "sft" ? { ...lossOpts, tokenNormalizer: stepTokens } : lossOpts;
    const weight = method === "sft" ? 1 : share;
    const r = await o.model.trainStep(rows, method, opts, grads, weight, { step });
    loss += weight * r.loss;
    metrics.add(r.metrics, share);
    tokens += r.tokens;
  }
  run.tokensSeen += tokens;
  return { loss, grads, metrics: metrics.result(), tokens };
}

/** Stop on a non-finite loss; clip the gradients to max_grad_norm; their norm before clipping. */
function clipGradients<Row>(run: Run<Row>, step: number, batch: { loss: number; grads: Map<string, Float32Array> }) {
  if (!Number.isFinite(batch.loss)) throw new TrainingDivergedError(step + 1, "non-finite loss", run.lastCheckpoint);
  const gradNorm = clipGradNorm(batch.grads.values(), run.cfg.max_grad_norm);
  if (!Number.isFinite(gradNorm))
    throw new TrainingDivergedError(step + 1, "non-finite gradient norm", run.lastCheckpoint);
  return gradNorm;
}

/**
 * The divergence watch on step `step` (0-based): warn on the first spike or zero gradient norm of a streak; stop the
 * run (stop_on_divergence) when the streak reaches divergence_patience.
 */
function watchDivergence<Row>(run: Run<Row>, step: number, loss: number, gradNorm: number): void {
  const { cfg } = run;
  const obs = run.monitor.observe(step + 1, loss, gradNorm);
  if (obs.warning)
    run.status(
      `warning: ${obs.warning}` +
        (cfg.stop_on_divergence
          ? `; the run stops if this lasts ${cfg.divergence_patience} steps in a row (divergence_patience), and no checkpoint is written meanwhile`
          : ""),
    );
  if (!obs.sustained) return;
  if (cfg.stop_on_divergence)
    throw new TrainingDivergedError(
      step + 1,
      "the loss diverged",
      run.lastCheckpoint,
      `${obs.sustained}. A lower learning_rate (or a look at the data) is the usual cure`,
    );
  if (obs.streak === cfg.divergence_patience)
    run.status(`warning: the loss diverged: ${obs.sustained}; stop_on_divergence is false: training on`);
}

/** AdamW at the schedule's learning rate for `step`; returns that rate. */
async function optimizerStep<Row>(run: Run<Row>, step: number, grads: Map<string, Float32Array>): Promise<number> {
  const lr = run.schedule.lrAt(step);
  if (run.pool) await run.optimizer.updateWith(run.pool, run.o.model.params, grads, lr);
  else run.optimizer.update(run.o.model.params, grads, lr);
  return lr;
}

/** A training row of trainer_log.jsonl: the window's mean loss, grad_norm and metrics, speed, elapsed, ETA. */
function logTraining<Row>(run: Run<Row>, log: TrainerLog, window: LogWindow, done: number, lr: number): void {
  const now = run.clock();
  const elapsed = run.elapsedBefore + (now - window.t0);
  const perStep = (now - window.t0) / window.stepsThisRun;
  const m = window.means.result();
  const row = {
    step: done,
    total_steps: run.total,
    epoch: run.plan.epochAfter(done),
    loss: m.loss,
    grad_norm: m.grad_norm,
    learning_rate: lr,
    ...Object.fromEntries(Object.entries(m).filter(([k]) => k !== "loss" && k !== "grad_norm")),
  };
  const tokensPerSecond = window.close(now);
  log.write({
    ...row,
    tokens_per_second: tokensPerSecond,
    elapsed_time: elapsed,
    remaining_time: perStep * (run.total - done),
  });
}

/** Log, evaluate, save: every logging_steps / eval_steps / save_steps steps, and after the last one. */
function isLogStep<Row>(run: Run<Row>, done: number): boolean {
  return done % run.cfg.logging_steps === 0 || done === run.total;
}
function isEvalStep<Row>(run: Run<Row>, done: number): boolean {
  return done === run.total || (run.cfg.eval_steps !== undefined && done % run.cfg.eval_steps === 0);
}
function isSaveStep<Row>(run: Run<Row>, done: number): boolean {
  return done % run.cfg.save_steps === 0 || done === run.total;
}

/** The validation split's loss and metrics (eval_ prefix), as one row of trainer_log.jsonl. */
async function evaluate<Row>(run: Run<Row>, log: TrainerLog, done: number): Promise<void> {
  const { o, lossOpts } = run;
  const method = trainingMethod(run.cfg);
  if (!o.eval || o.eval.length === 0) return;
  const means = new WeightedMeans();
  const bs = run.cfg.per_device_eval_batch_size;
  const totalTokens = method === "sft" ? o.eval.reduce((a, r) => a + o.model.responseTokens(r), 0) : 0;
  for (let i = 0; i < o.eval.length; i += bs) {
    const rows = o.eval.slice(i, i + bs);
    const opts = method === "sft" ? { ...lossOpts, tokenNormalizer: totalTokens } : lossOpts;
    const r = await o.model.evalStep(rows, method, opts);
    const w = rows.length / o.eval.length;
    means.add(r.metrics, w);
    means.add({ loss: method === "sft" ? r.loss / w : r.loss }, w);
  }
  const row: Record<string, unknown> = { step: done, total_steps: run.total, epoch: run.plan.epochAfter(done) };
  for (const [k, v] of Object.entries(means.result())) row[`eval_${k}`] = v;
  log.write(row);
}

/**
 * Save checkpoint-<done>, unless the divergence watch is inside a streak of bad steps (stop_on_divergence): then the
 * save waits for the next good step, so that the newest checkpoint is always one from before a divergence. The last
 * step always saves.
 */
function saveOrPostpone<Row>(run: Run<Row>, log: TrainerLog, window: LogWindow, done: number): void {
  if (run.cfg.stop_on_divergence && run.monitor.streak > 0 && done < run.total) {
    if (!run.savePending) run.status(`step ${done}: checkpoint postponed while the loss diverges`);
    run.savePending = true;
    return;
  }
  run.savePending = false;
  saveCheckpointAt(run, log, window, done);
}

/** checkpoint-<done>: the model, the optimizer state and trainer_state.json (HF TrainerState + resume state). */
function saveCheckpointAt<Row>(run: Run<Row>, log: TrainerLog, window: LogWindow, done: number): void {
  const { cfg, plan, optimizer } = run;
  const cursor = plan.cursor(done);
  const state: TrainerState = {
    ...hfTrainerState(cfg, {
      step: done,
      epoch: plan.epochAfter(done),
      maxSteps: run.total,
      numEpochs: Math.ceil(run.total / plan.updatesPerEpoch),
      tokensSeen: run.tokensSeen,
      history: log.history,
    }),
    data_cursor: { epoch: cursor.epoch, step_in_epoch: cursor.stepInEpoch },
    rng: { seed: cfg.seed },
    optimizer: { step: optimizer.step, options: optimizer.options },
    elapsed_time: run.elapsedBefore + (run.clock() - window.t0),
    log_rows: log.history.length,
    config_hash: run.configHash,
    train_config: JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>,
    divergence: run.monitor.state(),
  };
  run.lastCheckpoint = saveCheckpoint(run.outDir, state, optimizer, run.o.model.params, (dir) => run.o.model.save(dir));
}

/** The final model in output_dir (unless a resumed run had nothing left to do). */
function finish<Row>(run: Run<Row>): TrainRunResult {
  if (run.total > run.start || !run.resumedFrom) run.o.model.save(run.outDir);
  return {
    globalStep: run.total,
    startStep: run.start,
    totalSteps: run.total,
    lastCheckpoint: run.lastCheckpoint,
    finished: true,
  };
}
