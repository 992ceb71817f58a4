import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { JsonlJournal, readJournal, writeJsonl } from "../../data/jsonl.js";
import { AdamW } from "../adamw.js";
import {
  checkpointModelDir,
  hfTrainerState,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
} from "../checkpoint.js";
import { clipGradNorm } from "../clip.js";
import type { TrainConfig } from "../config.js";
import { type OutputDirDecision, prepareOutputDir } from "../output-dir.js";
import { LrSchedule } from "../schedule.js";
import {
  budgetChangeNote,
  checkResumePoint,
  LogWindow,
  legacyConfigHash,
  TrainerLog,
  TrainingDivergedError,
} from "../trainer.js";

/**
 * The loop of the rollout methods (PPO, GRPO): the offline trainer's pieces (AdamW, clipping, schedule, NaN guard,
 * trainer_log.jsonl rows with the same layout, atomic HF-layout checkpoints with checksums, resume) around an
 * algorithm whose step samples completions and takes one (GRPO) or several (PPO) optimizer steps.
 *
 * The output folder follows the offline trainer's rules (src/train/output-dir.ts): a folder holding a previous run
 * is refused unless --resume (from the newest intact checkpoint; damaged newer ones are named and passed over) or
 * overwrite_output_dir; --resume compares the recorded config key by key and may change the step budget (the
 * schedule is recomputed for the new total; prompt order and sampling seeds are functions of the step, so the
 * steps already taken stay what they were). What differs: the divergence watch (loss spikes, a zero gradient norm)
 * is not run, since PPO's and GRPO's surrogate losses are not meant to fall (a GRPO step whose groups all tie has a
 * gradient of exactly 0 by design); a non-finite loss or gradient norm stops the run as in the offline trainer.
 *
 * Randomness is derived from (seed, purpose, step) - the prompt order of each epoch, each rollout's sampling seed,
 * PPO's mini-batch shuffles - so a resumed run repeats the uninterrupted one exactly; trainer_state.json records
 * the next rollout's sampling seed, and what a step still needs from an earlier rollout (GRPO's reuse of one
 * generation for `num_iterations` steps) is saved with the checkpoint.
 */
export interface OnlineStepResult {
  /** mean loss of the step's optimizer steps */
  loss: number;
  /** mean gradient norm (before clipping) of the step's optimizer steps */
  gradNorm: number;
  /** TRL-named metrics of the step */
  metrics: Record<string, number>;
  /** tokens processed (prompt + completion of every sequence of every forward/backward pass), for tokens/s */
  tokens: number;
  /** prompt + completion tokens of the completions sampled in this step (TRL's `num_tokens` counts them) */
  rolloutTokens: number;
  /** completion rows for completions.jsonl (written on logging steps) */
  completions: Record<string, unknown>[];
}

export interface Timing {
  /** sampling completions with the KV-cache decode graph */
  generation_s: number;
  /** completion tokens sampled */
  generated_tokens: number;
  /** forward passes (old/reference log-probs, values), reward functions / reward model, advantages */
  scoring_s: number;
  /** forward + backward passes and optimizer steps */
  update_s: number;
  eval_s: number;
  save_s: number;
}

export const newTiming = (): Timing => ({
  generation_s: 0,
  generated_tokens: 0,
  scoring_s: 0,
  update_s: 0,
  eval_s: 0,
  save_s: 0,
});

/** Seconds spent in `f`, added to `timing[key]`. */
export async function timed<T>(timing: Timing, key: Exclude<keyof Timing, "generated_tokens">, f: () => Promise<T>) {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timing[key] += (performance.now() - t0) / 1000;
  }
}

export interface StepContext {
  /** the scheduled learning rate of this step (one value for all of PPO's optimizer steps in it, as TRL) */
  lr: number;
  /** clip, check and apply one optimizer step; returns the gradient norm before clipping */
  optimize(grads: Map<string, Float32Array>): number;
  timing: Timing;
}

export interface OnlineAlgorithm {
  readonly totalSteps: number;
  /** fractional epochs over the prompts after `done` steps */
  epochAfter(done: number): number;
  /** prompts consumed after `done` steps (TRL's `episode`) */
  episodesAfter(done: number): number;
  /** the sampling seed of the rollout that step `step` would start (for trainer_state.json) */
  rolloutSeed(step: number): number;
  step(step: number, ctx: StepContext): Promise<OnlineStepResult>;
  /** eval_ metrics on the validation prompts (greedy completions), if any */
  evaluate?(timing: Timing): Promise<Record<string, number> | undefined>;
  /** what a resumed step needs beside the model (written into the checkpoint folder) */
  saveState?(dir: string, done: number): void;
  loadState?(dir: string, done: number): void;
}

export interface OnlineLoopOptions {
  cfg: TrainConfig;
  algorithm: OnlineAlgorithm;
  params: Map<string, Float32Array>;
  saveModel: (dir: string) => void;
  loadModel: (dir: string) => void;
  resume?: boolean;
  /** output_dir as prepareOutputDir left it, when the caller checked it already (trainOnline does, up front) */
  prepared?: OutputDirDecision;
  onStatus?: (message: string) => void;
  stopAfter?: number;
  onLog?: (row: Record<string, unknown>) => void;
  clock?: () => number;
}

export interface OnlineLoopResult {
  globalStep: number;
  /** the step this invocation started from (> 0 after resume) */
  startStep: number;
  totalSteps: number;
  lastCheckpoint: string | undefined;
  finished: boolean;
  timing: Timing;
}

export const COMPLETIONS_FILE = "completions.jsonl";

export async function runOnlineLoop(o: OnlineLoopOptions): Promise<OnlineLoopResult> {
  const { cfg, algorithm } = o;
  const status = o.onStatus ?? (() => {});
  const prepared =
    o.prepared ?? prepareOutputDir(cfg.output_dir, { resume: o.resume, overwrite: cfg.overwrite_output_dir }, status);
  const clock = o.clock ?? (() => performance.now() / 1000);
  const total = algorithm.totalSteps;
  const schedule = new LrSchedule(cfg.lr_scheduler_type, cfg.learning_rate, total, cfg.warmup_ratio, cfg.warmup_steps);
  const optimizer = new AdamW({
    lr: cfg.learning_rate,
    beta1: cfg.adam_beta1,
    beta2: cfg.adam_beta2,
    eps: cfg.adam_epsilon,
    weightDecay: cfg.weight_decay,
  });
  const outDir = cfg.output_dir;
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, "trainer_log.jsonl");
  const completionsFile = join(outDir, COMPLETIONS_FILE);
  const configHash = legacyConfigHash(cfg);
  const timing = newTiming();

  // ---- restore or start
  let start = 0;
  let elapsedBefore = 0;
  let tokensSeen = 0;
  let lastCheckpoint: string | undefined;
  let resumedFrom: string | undefined;
  let log: TrainerLog;
  const point = prepared.resumeFrom;
  const from = point?.dir;
  if (!point || !from) {
    writeJsonl(logFile, []);
    writeJsonl(completionsFile, []);
    log = new TrainerLog(logFile, [], o.onLog);
  } else {
    checkResumePoint(point, cfg, total, configHash);
    const state = loadCheckpoint(from, optimizer);
    const budget = budgetChangeNote(state, cfg, total);
    if (budget) status(budget);
    o.loadModel(checkpointModelDir(from));
    algorithm.loadState?.(from, state.global_step);
    start = state.global_step;
    elapsedBefore = state.elapsed_time;
    tokensSeen = state.num_input_tokens_seen ?? 0;
    lastCheckpoint = resumedFrom = from;
    let history = readJournal<Record<string, unknown>>(logFile).slice(0, state.log_rows);
    if (history.length < state.log_rows && state.log_history) history = [...state.log_history];
    writeJsonl(logFile, history);
    // completion rows of steps after the checkpoint are dropped (they are sampled again)
    const done = existsSync(completionsFile)
      ? readJournal<{ step: number }>(completionsFile).filter((r) => r.step <= start)
      : [];
    writeJsonl(completionsFile, done);
    log = new TrainerLog(logFile, history, o.onLog);
  }
  const completions = new JsonlJournal(completionsFile);
  const window = new LogWindow(clock());

  const saveAt = (done: number) => {
    const state: TrainerState = {
      ...hfTrainerState(cfg, {
        step: done,
        epoch: algorithm.epochAfter(done),
        maxSteps: total,
        numEpochs: cfg.num_train_epochs,
        tokensSeen,
        history: log.history,
      }),
      data_cursor: { epoch: Math.floor(algorithm.epochAfter(done)), step_in_epoch: done },
      rng: { seed: cfg.seed, next_rollout_seed: done < total ? algorithm.rolloutSeed(done) : undefined },
      episode: algorithm.episodesAfter(done),
      optimizer: { step: optimizer.step, options: optimizer.options },
      elapsed_time: elapsedBefore + (clock() - window.t0),
      log_rows: log.history.length,
      config_hash: configHash,
      train_config: JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>,
    };
    lastCheckpoint = saveCheckpoint(outDir, state, optimizer, o.params, (dir) => {
      o.saveModel(dir);
      algorithm.saveState?.(dir, done);
    });
  };

  try {
    for (let step = start; step < total; step++) {
      if (o.stopAfter !== undefined && window.stepsThisRun >= o.stopAfter)
        return { globalStep: step, startStep: start, totalSteps: total, lastCheckpoint, finished: false, timing };
      const lr = schedule.lrAt(step);
      const ctx: StepContext = {
        lr,
        timing,
        optimize: (grads) => {
          const norm = clipGradNorm(grads.values(), cfg.max_grad_norm);
          if (!Number.isFinite(norm))
            throw new TrainingDivergedError(step + 1, "non-finite gradient norm", lastCheckpoint);
          optimizer.update(o.params, grads, lr);
          return norm;
        },
      };
      const r = await algorithm.step(step, ctx);
      if (!Number.isFinite(r.loss)) throw new TrainingDivergedError(step + 1, "non-finite loss", lastCheckpoint);
      tokensSeen += r.rolloutTokens;
      window.addStep({ loss: r.loss, grad_norm: r.gradNorm, ...r.metrics }, r.tokens);
      const done = step + 1;
      if (done % cfg.logging_steps === 0 || done === total) {
        const now = clock();
        const perStep = (now - window.t0) / window.stepsThisRun;
        const m = window.means.result();
        const row = {
          step: done,
          total_steps: total,
          epoch: algorithm.epochAfter(done),
          loss: m.loss,
          grad_norm: m.grad_norm,
          learning_rate: lr,
          ...Object.fromEntries(Object.entries(m).filter(([k]) => k !== "loss" && k !== "grad_norm")),
          lr,
          episode: algorithm.episodesAfter(done),
          num_tokens: tokensSeen,
        };
        const tokensPerSecond = window.close(now);
        log.write({
          ...row,
          tokens_per_second: tokensPerSecond,
          elapsed_time: elapsedBefore + (now - window.t0),
          remaining_time: perStep * (total - done),
        });
        if (cfg.log_completions) for (const c of r.completions) completions.append({ step: done, ...c });
      }
      if (algorithm.evaluate && (done === total || (cfg.eval_steps !== undefined && done % cfg.eval_steps === 0))) {
        const m = await timed(timing, "eval_s", () => algorithm.evaluate!(timing));
        if (m) {
          const row: Record<string, unknown> = { step: done, total_steps: total, epoch: algorithm.epochAfter(done) };
          for (const [k, v] of Object.entries(m)) row[`eval_${k}`] = v;
          log.write(row);
        }
      }
      if (done % cfg.save_steps === 0 || done === total) await timed(timing, "save_s", async () => saveAt(done));
    }
  } finally {
    log.close();
    completions.close();
  }
  if (total > start || !resumedFrom) await timed(timing, "save_s", async () => o.saveModel(outDir));
  return { globalStep: total, startStep: start, totalSteps: total, lastCheckpoint, finished: true, timing };
}

/** "generation 12.3 s (61%, 410 tok/s), scoring 2.1 s (10%), update 5.8 s (29%)" - where a run's time went. */
export function formatTiming(t: Timing): string {
  const parts: [string, number][] = [
    ["generation", t.generation_s],
    ["scoring", t.scoring_s],
    ["update", t.update_s],
    ["eval", t.eval_s],
    ["saving", t.save_s],
  ];
  const sum = parts.reduce((a, [, s]) => a + s, 0) || 1;
  return parts
    .filter(([k, s]) => s > 0 || k !== "eval")
    .map(([k, s]) => {
      const extra = k === "generation" && s > 0 ? `, ${Math.round(t.generated_tokens / s)} tok/s` : "";
      return `${k} ${s.toFixed(1)} s (${Math.round((100 * s) / sum)}%${extra})`;
    })
    .join(", ");
}
