import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, join } from "node:path";
import { DataError } from "../data/errors.js";
import { checkSafetensorsFile } from "../model/safetensors.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { AdamW, AdamWOptions } from "./adamw.js";
import { readF32Tensors, writeF32Tensors } from "./tensor-file.js";

/**
 * Checkpoints are laid out like Hugging Face `Trainer`'s: `output_dir/checkpoint-<step>/` IS a model folder
 * (config.json, model.safetensors or shards + index, tokenizer files, chat template, generation_config.json; with
 * LoRA PEFT's adapter_model.safetensors + adapter_config.json), so `from_pretrained("out/checkpoint-500")` and
 * `iopo generate --model-dir out/checkpoint-500` load it directly. Beside the model files:
 *   trainer_state.json     HF TrainerState fields + what our resume needs (data cursor, RNG, optimizer step)
 *   optimizer.safetensors  AdamW moments (exp_avg.<param>, exp_avg_sq.<param>, float32)
 *   checkpoint.sha256      SHA-256 of every file above (sha256sum's format), checked before --resume trusts it
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
  /** The run's configuration (what --resume compares key by key; absent in checkpoints written before it was kept). */
  train_config?: Record<string, unknown>;
  /** The divergence watch's recent good losses (src/train/divergence.ts), so a resumed run watches the same way. */
  divergence?: { recent: number[] };
}

/**
 * The `transformers.TrainerState` half of trainer_state.json, from what every trainer knows (offline and online): the
 * step, epoch and budget, the config's logging/eval/save cadence and batch, tokens seen and the log rows so far; the
 * fields iopo never uses (best model, hyper-parameter search, FLOPs) as HF writes them when unused.
 */
export function hfTrainerState(
  cfg: { logging_steps: number; eval_steps?: number | null; save_steps: number; per_device_train_batch_size: number },
  s: {
    step: number;
    epoch: number;
    maxSteps: number;
    numEpochs: number;
    tokensSeen: number;
    history: Record<string, unknown>[];
  },
): Omit<TrainerState, "data_cursor" | "rng" | "optimizer" | "elapsed_time" | "log_rows" | "config_hash"> {
  return {
    global_step: s.step,
    epoch: s.epoch,
    max_steps: s.maxSteps,
    num_train_epochs: s.numEpochs,
    logging_steps: cfg.logging_steps,
    eval_steps: cfg.eval_steps ?? null,
    save_steps: cfg.save_steps,
    train_batch_size: cfg.per_device_train_batch_size,
    num_input_tokens_seen: s.tokensSeen,
    log_history: s.history,
    best_metric: null,
    best_model_checkpoint: null,
    is_local_process_zero: true,
    is_world_process_zero: true,
    is_hyper_param_search: false,
    trial_name: null,
    trial_params: null,
    total_flos: 0,
  };
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
  try {
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
    // the checksums of every file, last (`sha256sum -c checkpoint.sha256` checks them by hand too)
    writeFileAtomic(join(tmp, MANIFEST), manifestOf(tmp));
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (err) {
    // A failed save leaves no temporary folder behind (the previous checkpoints are untouched).
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return final;
}

/** The checksum file of a checkpoint, in `sha256sum`'s format ("<hex>  <file>" per line). */
export const MANIFEST = "checkpoint.sha256";

/** sha256sum lines of every file in `dir` and its subfolders (sorted by path), the manifest itself excepted. */
function manifestOf(dir: string): string {
  return filesUnder(dir)
    .filter((f) => f !== MANIFEST)
    .map((f) => `${sha256File(join(dir, f))}  ${f}\n`)
    .join("");
}

function filesUnder(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Hex SHA-256 of a file, read in chunks (model files may be larger than one Buffer). */
function sha256File(file: string): string {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(1 << 22);
  const fd = openSync(file, "r");
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/**
 * Why a checkpoint folder cannot be resumed from, naming the file, or undefined when it is intact:
 *   - trainer_state.json is missing, is not JSON, or its global_step is not the folder's step;
 *   - optimizer.safetensors or the model weights (model.safetensors or shards, adapter_model.safetensors) are
 *     missing, or a safetensors file's header does not describe the file (a truncated or extended file, a broken
 *     header: sizes from the header's dtype x shape against the file size);
 *   - a file listed in checkpoint.sha256 is missing or its SHA-256 differs (flipped bytes). Checkpoints written
 *     before the manifest existed get the structural checks only.
 */
export function checkpointProblem(dir: string): string | undefined {
  const name = basename(dir);
  const at = (f: string) => `${name}/${f}`;
  const stateFile = join(dir, "trainer_state.json");
  if (!existsSync(stateFile)) return `${at("trainer_state.json")}: missing`;
  let state: Partial<TrainerState>;
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8"));
  } catch (err) {
    return `${at("trainer_state.json")}: not valid JSON (${(err as Error).message})`;
  }
  const step = Number(name.slice(PREFIX.length));
  if (!state || typeof state !== "object" || state.global_step !== step)
    return `${at("trainer_state.json")}: global_step ${JSON.stringify(state?.global_step)} is not the folder's step ${step}`;
  if (!existsSync(join(dir, "optimizer.safetensors"))) return `${at("optimizer.safetensors")}: missing`;
  const modelDir = checkpointModelDir(dir);
  const modelRel = modelDir === dir ? "" : `${LEGACY_MODEL_SUBDIR}/`;
  const weights = ["model.safetensors", "model.safetensors.index.json", "adapter_model.safetensors"];
  if (!weights.some((f) => existsSync(join(modelDir, f))))
    return `${at(modelRel)}: no model weights (${weights.join(", ")})`;
  for (const f of filesUnder(dir).filter((f) => f.endsWith(".safetensors"))) {
    try {
      checkSafetensorsFile(join(dir, f));
    } catch (err) {
      const detail = err instanceof DataError ? err.message.slice(err.file.length + 2) : (err as Error).message;
      return `${at(f)}: ${detail}`;
    }
  }
  const manifest = join(dir, MANIFEST);
  if (!existsSync(manifest)) return undefined;
  for (const line of readFileSync(manifest, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) return `${at(MANIFEST)}: unreadable line ${JSON.stringify(line.slice(0, 80))}`;
    const file = join(dir, m[2]);
    if (!existsSync(file)) return `${at(m[2])}: missing (listed in ${MANIFEST})`;
    if (sha256File(file) !== m[1])
      return `${at(m[2])}: SHA-256 differs from ${MANIFEST} (the file changed after it was saved)`;
  }
  return undefined;
}

/** The checkpoint-<step> folders of `outputDir` (complete or not), newest first. */
export function checkpointFolders(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith(PREFIX) && /^\d+$/.test(d.name.slice(PREFIX.length)))
    .map((d) => Number(d.name.slice(PREFIX.length)))
    .sort((a, b) => b - a)
    .map((n) => join(outputDir, `${PREFIX}${n}`));
}

/** The checkpoint --resume continues from, and the newer ones passed over as damaged (newest first). */
export interface ResumePoint {
  dir: string;
  state: TrainerState;
  damaged: { dir: string; problem: string }[];
}

/**
 * The newest intact checkpoint of `outputDir` (see checkpointProblem), with the damaged newer ones it passed over;
 * undefined when there is no checkpoint folder at all. Throws DataError, naming every problem, when there are
 * checkpoint folders but none is intact.
 */
export function findResumePoint(outputDir: string): ResumePoint | undefined {
  const damaged: { dir: string; problem: string }[] = [];
  for (const dir of checkpointFolders(outputDir)) {
    const problem = checkpointProblem(dir);
    if (problem === undefined) {
      const state = JSON.parse(readFileSync(join(dir, "trainer_state.json"), "utf8")) as TrainerState;
      return { dir, state, damaged };
    }
    damaged.push({ dir, problem });
  }
  if (damaged.length === 0) return undefined;
  throw new DataError(
    outputDir,
    undefined,
    undefined,
    `no intact checkpoint to resume from: ${damaged.map((d) => d.problem).join("; ")}. ` +
      "Remove the damaged folders (or give --overwrite_output_dir) to train from scratch",
  );
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
