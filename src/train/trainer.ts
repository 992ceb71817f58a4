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
    lossType: cfg.loss_type,
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
class WeightedMeans {
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
 */
export async function runTraining<Row>(o: TrainRunOptions<Row>): Promise<TrainRunResult> {
  const cfg = o.config;
  const clock = o.clock ?? (() => performance.now() / 1000);
  const lossOpts = lossOptionsFromConfig(cfg);
  const method = cfg.method;
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
  const logFile = join(outDir, "trainer_log.jsonl");
  const configHash = shortHash(canonicalJson({ ...cfg, output_dir: undefined }));

  let start = 0;
  let elapsedBefore = 0;
  let logRows = 0;
  let tokensSeen = 0;
  /** The rows of trainer_log.jsonl so far (a checkpoint's log_history). */
  let history: Record<string, unknown>[] = [];
  let lastCheckpoint: string | undefined;
  const resumeFrom = o.resume ? latestCheckpoint(outDir) : undefined;
  if (resumeFrom) {
    const state = loadCheckpoint(resumeFrom, optimizer);
    if (state.config_hash !== configHash)
      throw new Error(`${resumeFrom} was written with a different configuration; resume needs the same config`);
    o.model.load(checkpointModelDir(resumeFrom));
    start = state.global_step;
    elapsedBefore = state.elapsed_time;
    logRows = state.log_rows;
    tokensSeen = state.num_input_tokens_seen ?? 0;
    lastCheckpoint = resumeFrom;
    history = readJournal<Record<string, unknown>>(logFile).slice(0, logRows);
    if (history.length < logRows && state.log_history) history = [...state.log_history]; // log lost: the checkpoint has it
    logRows = history.length;
    writeJsonl(logFile, history); // drop rows logged after the checkpoint
  } else {
    writeJsonl(logFile, []);
  }
  const journal = new JsonlJournal(logFile);
  const write = (row: Record<string, unknown>) => {
    journal.append(row);
    history.push(row);
    logRows++;
    o.onLog?.(row);
  };

  const t0 = clock();
  let window = new WeightedMeans();
  let windowTokens = 0;
  let windowStart = t0;
  let stepsThisRun = 0;
  const params = o.model.params;

  const evaluate = async (stepsDone: number) => {
    if (!o.eval || o.eval.length === 0) return;
    const means = new WeightedMeans();
    const bs = cfg.per_device_eval_batch_size;
    const totalTokens = method === "sft" ? o.eval.reduce((a, r) => a + o.model.responseTokens(r), 0) : 0;
    for (let i = 0; i < o.eval.length; i += bs) {
      const rows = o.eval.slice(i, i + bs);
      const opts = method === "sft" ? { ...lossOpts, tokenNormalizer: totalTokens } : lossOpts;
      const r = await o.model.evalStep(rows, method, opts);
      const w = rows.length / o.eval.length;
      means.add(r.metrics, w);
      means.add({ loss: method === "sft" ? r.loss / w : r.loss }, w);
    }
    const row: Record<string, unknown> = { step: stepsDone, total_steps: total, epoch: plan.epochAfter(stepsDone) };
    for (const [k, v] of Object.entries(means.result())) row[`eval_${k}`] = v;
    write(row);
  };

  const checkpoint = (stepsDone: number, elapsed: number) => {
    const cursor = plan.cursor(stepsDone);
    const state: TrainerState = {
      global_step: stepsDone,
      epoch: plan.epochAfter(stepsDone),
      max_steps: total,
      num_train_epochs: Math.ceil(total / plan.updatesPerEpoch),
      logging_steps: cfg.logging_steps,
      eval_steps: cfg.eval_steps ?? null,
      save_steps: cfg.save_steps,
      train_batch_size: cfg.per_device_train_batch_size,
      num_input_tokens_seen: tokensSeen,
      log_history: history,
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
      elapsed_time: elapsed,
      log_rows: logRows,
      config_hash: configHash,
    };
    lastCheckpoint = saveCheckpoint(outDir, state, optimizer, params, (dir) => o.model.save(dir));
  };

  try {
    for (let step = start; step < total; step++) {
      if (o.stopAfter !== undefined && stepsThisRun >= o.stopAfter)
        return { globalStep: step, totalSteps: total, lastCheckpoint, finished: false };
      const micro = plan.microBatches(step);
      const nRows = micro.reduce((a, m) => a + m.length, 0);
      const stepTokens =
        method === "sft" ? micro.flat().reduce((a, i) => a + o.model.responseTokens(o.train[i]), 0) : 0;
      const grads = new Map<string, Float32Array>();
      for (const [name, p] of params) grads.set(name, new Float32Array(p.length));
      let loss = 0;
      const stepMetrics = new WeightedMeans();
      for (const m of micro) {
        const rows = m.map((i) => o.train[i]);
        const share = rows.length / nRows;
        const opts = method === "sft" ? { ...lossOpts, tokenNormalizer: stepTokens } : lossOpts;
        const weight = method === "sft" ? 1 : share;
        const r = await o.model.trainStep(rows, method, opts, grads, weight, { step });
        loss += weight * r.loss;
        stepMetrics.add(r.metrics, share);
        windowTokens += r.tokens;
        tokensSeen += r.tokens;
      }
      if (!Number.isFinite(loss)) throw new TrainingDivergedError(step + 1, "loss", lastCheckpoint);
      const gradNorm = clipGradNorm(grads.values(), cfg.max_grad_norm);
      if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step + 1, "gradient norm", lastCheckpoint);
      const lr = schedule.lrAt(step);
      if (pool) await optimizer.updateWith(pool, params, grads, lr);
      else optimizer.update(params, grads, lr);
      stepsThisRun++;
      const done = step + 1;
      window.add({ loss, grad_norm: gradNorm, ...stepMetrics.result() }, 1);

      if (done % cfg.logging_steps === 0 || done === total) {
        const now = clock();
        const elapsed = elapsedBefore + (now - t0);
        const perStep = (now - t0) / stepsThisRun;
        const m = window.result();
        write({
          step: done,
          total_steps: total,
          epoch: plan.epochAfter(done),
          loss: m.loss,
          grad_norm: m.grad_norm,
          learning_rate: lr,
          ...Object.fromEntries(Object.entries(m).filter(([k]) => k !== "loss" && k !== "grad_norm")),
          tokens_per_second: windowTokens / Math.max(now - windowStart, 1e-9),
          elapsed_time: elapsed,
          remaining_time: perStep * (total - done),
        });
        window = new WeightedMeans();
        windowTokens = 0;
        windowStart = now;
      }
      if (cfg.eval_steps !== undefined && done % cfg.eval_steps === 0 && done !== total) await evaluate(done);
      if (done === total) await evaluate(done);
      if (done % cfg.save_steps === 0 || done === total) checkpoint(done, elapsedBefore + (clock() - t0));
    }
  } finally {
    journal.close();
    await pool?.close();
  }
  if (total > start || !resumeFrom) o.model.save(outDir);
  return { globalStep: total, totalSteps: total, lastCheckpoint, finished: true };
}
