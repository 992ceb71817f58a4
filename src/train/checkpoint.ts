import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { AdamW, AdamWOptions } from "./adamw.js";
import { readF32Tensors, writeF32Tensors } from "./tensor-file.js";

/** trainer_state.json of a checkpoint: everything besides tensors that a resumed run needs. */
export interface TrainerState {
  global_step: number;
  total_steps: number;
  epoch: number;
  /** Next optimizer step's data position (the plan is a pure function of the step; kept for humans and checks). */
  data_cursor: { epoch: number; step_in_epoch: number };
  /** All randomness is derived from (seed, purpose, step), so the seed is the whole RNG state. */
  rng: { seed: number };
  optimizer: { step: number; options: AdamWOptions };
  elapsed_time: number;
  /** Rows of trainer_log.jsonl written up to this checkpoint (the log is cut back to them on resume). */
  log_rows: number;
  config_hash: string;
}

const PREFIX = "checkpoint-";

/**
 * Write a checkpoint atomically: everything goes into a temporary sibling folder which is renamed to
 * `checkpoint-<step>` only when complete, so a crash never leaves a half checkpoint that --resume would pick.
 */
export function saveCheckpoint(
  outputDir: string,
  state: TrainerState,
  optimizer: AdamW,
  params: ReadonlyMap<string, Float32Array>,
  saveModel: (dir: string) => void,
): string {
  const final = join(outputDir, `${PREFIX}${state.global_step}`);
  const tmp = join(outputDir, `.${PREFIX}${state.global_step}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  saveModel(tmp);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, s] of optimizer.state) {
    if (!params.has(name)) continue;
    tensors.set(`exp_avg.${name}`, { shape: [s.expAvg.length], data: s.expAvg });
    tensors.set(`exp_avg_sq.${name}`, { shape: [s.expAvgSq.length], data: s.expAvgSq });
  }
  writeF32Tensors(join(tmp, "optimizer.safetensors"), tensors);
  writeFileAtomic(join(tmp, "trainer_state.json"), `${JSON.stringify(state, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  return final;
}

/** The complete checkpoint with the highest step in `outputDir`, if any. */
export function latestCheckpoint(outputDir: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  const steps = readdirSync(outputDir)
    .filter((d) => d.startsWith(PREFIX) && /^\d+$/.test(d.slice(PREFIX.length)))
    .filter((d) => existsSync(join(outputDir, d, "trainer_state.json")))
    .map((d) => Number(d.slice(PREFIX.length)))
    .sort((a, b) => b - a);
  return steps.length ? join(outputDir, `${PREFIX}${steps[0]}`) : undefined;
}

export function loadCheckpoint(dir: string, optimizer: AdamW): TrainerState {
  const state = JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8")) as TrainerState;
  const tensors = readF32Tensors(join(dir, "optimizer.safetensors"));
  optimizer.state.clear();
  for (const [key, t] of tensors) {
    const isSq = key.startsWith("exp_avg_sq.");
    const name = key.slice(isSq ? "exp_avg_sq.".length : "exp_avg.".length);
    const s = optimizer.stateFor(name, t.data.length); // keeps the optimizer's memory kind (plain or shared)
    (isSq ? s.expAvgSq : s.expAvg).set(t.data);
  }
  optimizer.step = state.optimizer.step;
  return state;
}
