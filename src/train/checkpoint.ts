import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { AdamW, AdamWOptions } from "./adamw.js";
import { readF32Tensors, writeF32Tensors } from "./tensor-file.js";

/**
 * Checkpoints are laid out like Hugging Face `Trainer`'s: `output_dir/checkpoint-<step>/` IS a model folder
 * (config.json, model.safetensors or shards + index, tokenizer files, chat template, generation_config.json; with
 * LoRA PEFT's adapter_model.safetensors + adapter_config.json), so `from_pretrained("out/checkpoint-500")` and
 * `iopo generate --model out/checkpoint-500` load it directly. Beside the model files:
 *   trainer_state.json     HF TrainerState fields + what our resume needs (data cursor, RNG, optimizer step)
 *   optimizer.safetensors  AdamW moments (exp_avg.<param>, exp_avg_sq.<param>, float32)
 */

/**
 * trainer_state.json of a checkpoint. The first group of fields are Hugging Face `TrainerState`'s (same names and
 * meanings, so tools that read HF checkpoints - loss plotters, dashboards - read ours); the second group is what a
 * resumed iopo run needs besides tensors.
 */
export interface TrainerState {
  // --- transformers.TrainerState ---
  global_step: number;
  /** Fractional epochs completed, as HF reports it. */
  epoch: number;
  max_steps: number;
  num_train_epochs: number;
  logging_steps: number;
  eval_steps: number | null;
  save_steps: number;
  train_batch_size: number;
  num_input_tokens_seen: number;
  /** trainer_log.jsonl rows written up to this checkpoint (HF keeps the same rows under this name). */
  log_history: Record<string, unknown>[];
  best_metric: number | null;
  best_model_checkpoint: string | null;
  is_local_process_zero: boolean;
  is_world_process_zero: boolean;
  is_hyper_param_search: boolean;
  trial_name: string | null;
  trial_params: Record<string, unknown> | null;
  total_flos: number;
  // --- iopo resume state ---
  /** Next optimizer step's data position (the plan is a pure function of the step; kept for humans and checks). */
  data_cursor: { epoch: number; step_in_epoch: number };
  /**
   * All randomness is derived from (seed, purpose, step), so the seed is the whole RNG state. The online methods
   * also record the sampling seed their next rollout derives from it (a check, and for humans).
   */
  rng: { seed: number; next_rollout_seed?: number };
  /** Online methods (TRL's OnlineTrainerState): prompts consumed so far. */
  episode?: number;
  optimizer: { step: number; options: AdamWOptions };
  elapsed_time: number;
  /** Rows of trainer_log.jsonl written up to this checkpoint (the log is cut back to them on resume). */
  log_rows: number;
  config_hash: string;
}

const PREFIX = "checkpoint-";
/** Where checkpoints before the HF layout kept the model (checkpoint-N/model/); still read on resume. */
const LEGACY_MODEL_SUBDIR = "model";

/**
 * Write a checkpoint atomically: everything goes into a temporary sibling folder which is renamed to
 * `checkpoint-<step>` only when complete, so a crash never leaves a half checkpoint that --resume would pick.
 * `saveModel` writes the model files into the folder itself (the checkpoint is a model folder).
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
  // written last: its presence marks a complete checkpoint (latestCheckpoint)
  writeFileAtomic(join(tmp, "trainer_state.json"), `${JSON.stringify(state, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  return final;
}

/**
 * The folder holding a checkpoint's model files: the checkpoint itself, or `model/` inside checkpoints written
 * before the Hugging Face layout (the new layout never writes a `model` subfolder).
 */
export function checkpointModelDir(checkpoint: string): string {
  const legacy = join(checkpoint, LEGACY_MODEL_SUBDIR);
  return existsSync(legacy) && statSync(legacy).isDirectory() ? legacy : checkpoint;
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
