import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { JsonlJournal, readJournal, writeJsonl } from "../data/jsonl.js";
import { canonicalJson, shortHash } from "../util/hash.js";
import { AdamW } from "./adamw.js";
import { AdamWWorkerPool, sharedState } from "./adamw-parallel.js";
import {
  checkpointModelDir,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import { clipGradNorm } from "./clip.js";
import type { TrainConfig } from "./config.js";
import type { LossOptions } from "./losses/index.js";
import type { TrainableModel } from "./model-api.js";
import { DataPlan } from "./plan.js";
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

/** A non-finite loss or gradient norm: the run stops, nothing is saved, the last good checkpoint stays. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly lastCheckpoint: string | undefined,
  ) {
    super(
      `non-finite ${what} at step ${step}; stopped without saving. ` +
        (lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint}` : "No checkpoint was written before it."),
    );
    this.name = "TrainingDivergedError";
  }
}

export interface TrainRunOptions<Row> {
  config: TrainConfig;
  model: TrainableModel<Row>;
  train: readonly Row[];
  eval?: readonly Row[];
  /** Continue from the latest complete checkpoint in output_dir (a fresh start if there is none). */
  resume?: boolean;
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
  const run = prepareRun(o);
  const log = restoreOrStart(run);
  const window = new LogWindow(run.clock());
  try {
    for (let step = run.start; step < run.total; step++) {
      if (o.stopAfter !== undefined && window.stepsThisRun >= o.stopAfter)
        return { globalStep: step, totalSteps: run.total, lastCheckpoint: run.lastCheckpoint, finished: false };
      const batch = await forwardBackward(run, step); // all micro-batches, gradients accumulated
      const gradNorm = clipGradients(run, step, batch); // stops the run on a non-finite loss or norm
      const lr = await optimizerStep(run, step, batch.grads);
      window.addStep({ loss: batch.loss, grad_norm: gradNorm, ...batch.metrics }, batch.tokens);
      const done = step + 1;
      if (isLogStep(run, done)) logTraining(run, log, window, done, lr);
      if (isEvalStep(run, done)) await evaluate(run, log, done);
      if (isSaveStep(run, done)) saveCheckpointAt(run, log, window, done);
    }
  } finally {
    log.close();
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
}

/** The data plan, LR schedule, AdamW (on a worker pool when asked) and the output folder. */
function prepareRun<Row>(o: TrainRunOptions<Row>): Run<Row> {
  const cfg = o.config;
  const plan = new DataPlan(
    o.train.length,
    cfg.per_device_train_batch_size,
    cfg.gradient_accumulation_steps,
    cfg.num_train_epochs,
    cfg.max_steps,
    cfg.seed,
  );
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
    configHash: shortHash(canonicalJson({ ...cfg, output_dir: undefined })),
    start: 0,
    elapsedBefore: 0,
    tokensSeen: 0,
    lastCheckpoint: undefined,
    resumedFrom: undefined,
  };
}

/**
 * With `resume` and a complete checkpoint in output_dir: the optimizer state, parameters, progress counters and the
 * log rows up to that checkpoint (later rows are dropped). Otherwise a fresh trainer_log.jsonl.
 */
function restoreOrStart<Row>(run: Run<Row>): TrainerLog {
  const from = run.o.resume ? latestCheckpoint(run.outDir) : undefined;
  if (!from) {
    writeJsonl(run.logFile, []);
    return new TrainerLog(run.logFile, [], run.o.onLog);
  }
  const state = loadCheckpoint(from, run.optimizer);
  if (state.config_hash !== run.configHash)
    throw new Error(`${from} was written with a different configuration; resume needs the same config`);
  run.o.model.load(checkpointModelDir(from));
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
  const method = run.cfg.method;
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
  if (!Number.isFinite(batch.loss)) throw new TrainingDivergedError(step + 1, "loss", run.lastCheckpoint);
  const gradNorm = clipGradNorm(batch.grads.values(), run.cfg.max_grad_norm);
  if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step + 1, "gradient norm", run.lastCheckpoint);
  return gradNorm;
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
  const method = run.cfg.method;
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

/** checkpoint-<done>: the model, the optimizer state and trainer_state.json (HF TrainerState + resume state). */
function saveCheckpointAt<Row>(run: Run<Row>, log: TrainerLog, window: LogWindow, done: number): void {
  const { cfg, plan, optimizer } = run;
  const cursor = plan.cursor(done);
  const state: TrainerState = {
    global_step: done,
    epoch: plan.epochAfter(done),
    max_steps: run.total,
    num_train_epochs: Math.ceil(run.total / plan.updatesPerEpoch),
    logging_steps: cfg.logging_steps,
    eval_steps: cfg.eval_steps ?? null,
    save_steps: cfg.save_steps,
    train_batch_size: cfg.per_device_train_batch_size,
    num_input_tokens_seen: run.tokensSeen,
    log_history: log.history,
    best_metric: null,
    best_model_checkpoint: null,
    is_local_process_zero: true,
    is_world_process_zero: true,
    is_hyper_param_search: false,
    trial_name: null,
    trial_params: null,
    total_flos: 0,
    data_cursor: { epoch: cursor.epoch, step_in_epoch: cursor.stepInEpoch },
    rng: { seed: cfg.seed },
    optimizer: { step: optimizer.step, options: optimizer.options },
    elapsed_time: run.elapsedBefore + (run.clock() - window.t0),
    log_rows: log.history.length,
    config_hash: run.configHash,
  };
  run.lastCheckpoint = saveCheckpoint(run.outDir, state, optimizer, run.o.model.params, (dir) => run.o.model.save(dir));
}

/** The final model in output_dir (unless a resumed run had nothing left to do). */
function finish<Row>(run: Run<Row>): TrainRunResult {
  if (run.total > run.start || !run.resumedFrom) run.o.model.save(run.outDir);
  return { globalStep: run.total, totalSteps: run.total, lastCheckpoint: run.lastCheckpoint, finished: true };
}
