import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../data/errors.js";
import { TOKENIZER_FILES } from "../model/folder-files.js";
import { findResumePoint, type ResumePoint } from "./checkpoint.js";

/**
 * What `iopo train` finds in output_dir before it writes anything, and what it does about it:
 *
 *   empty or missing                       train from step 0
 *   a previous run, no flag                refused (DataError: exit 2), naming what is there
 *   a previous run, --resume               continue from the newest intact checkpoint (damaged newer ones are
 *                                          named and passed over); from step 0 if there is no checkpoint
 *   a previous run, overwrite_output_dir   the previous run's files are removed first, then train from step 0
 *
 * "A previous run" is any file or folder a training run writes (trainingOutputs); other files in the folder (a
 * config, notes) neither block a run nor are removed. Hugging Face's Trainer itself removes nothing with
 * overwrite_output_dir (old checkpoint-N folders stay beside the new ones, and `get_last_checkpoint` may later pick
 * an old one; LLaMA-Factory removes only trainer_log.jsonl): iopo removes the old run's files so that the folder
 * holds one run.
 */

/** Is this entry of output_dir something `iopo train` writes? */
export function isTrainingOutput(name: string): boolean {
  return (
    name === "trainer_log.jsonl" ||
    // the sampled completions of the rollout methods (ppo, grpo)
    name === "completions.jsonl" ||
    /^checkpoint-\d+$/.test(name) ||
    /^\.checkpoint-\d+\.tmp-\d+$/.test(name) ||
    name === "merged" ||
    // the final model folder: config, weights (single file or shards + index), LoRA adapter, tokenizer files
    name === "config.json" ||
    name === "model.safetensors" ||
    name === "model.safetensors.index.json" ||
    /^model-\d{5}-of-\d{5}\.safetensors$/.test(name) ||
    name === "adapter_model.safetensors" ||
    name === "adapter_config.json" ||
    TOKENIZER_FILES.includes(name) ||
    // temporary files of an atomic write interrupted by a crash (src/util/atomic.ts)
    /^\..+\.\d+\.\d+\.tmp$/.test(name)
  );
}

/** The entries of `dir` a training run wrote (sorted), [] for a missing or fresh folder. */
export function trainingOutputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(isTrainingOutput).sort(byCheckpointStep);
}

/** trainer_log.jsonl, then the checkpoints by step, then the rest by name. */
function byCheckpointStep(a: string, b: string): number {
  const key = (s: string) => {
    const step = /^checkpoint-(\d+)$/.exec(s)?.[1];
    return s === "trainer_log.jsonl" ? "0" : step !== undefined ? `1${step.padStart(12, "0")}` : `2${s}`;
  };
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

export interface OutputDirDecision {
  /** The checkpoint to continue from (--resume), if any. */
  resumeFrom: ResumePoint | undefined;
  /** Entries removed because of overwrite_output_dir. */
  removed: string[];
}

/**
 * Check output_dir before a run writes into it and apply the table above. `status` is told what happens (resuming
 * from which checkpoint, passing over which damaged one, removing which files).
 */
export function prepareOutputDir(
  outputDir: string,
  o: { resume?: boolean; overwrite?: boolean },
  status: (message: string) => void = () => {},
): OutputDirDecision {
  if (o.resume && o.overwrite)
    throw new DataError(
      outputDir,
      undefined,
      "overwrite_output_dir",
      "--resume continues the run in output_dir and overwrite_output_dir replaces it: give one of them",
    );
  const previous = trainingOutputs(outputDir);
  if (previous.length === 0) return { resumeFrom: undefined, removed: [] };
  if (o.overwrite) {
    for (const name of previous) rmSync(join(outputDir, name), { recursive: true, force: true });
    status(`overwrite_output_dir: removed the previous run from ${outputDir} (${summarise(previous)})`);
    return { resumeFrom: undefined, removed: previous };
  }
  if (!o.resume)
    throw new DataError(
      outputDir,
      undefined,
      "output_dir",
      `holds a previous training run (${summarise(previous)}): give --resume to continue it, ` +
        "or --overwrite_output_dir to replace it, or choose another output_dir",
    );
  const point = findResumePoint(outputDir);
  for (const d of point?.damaged ?? []) status(`warning: checkpoint not usable: ${d.problem}`);
  if (point && point.damaged.length > 0)
    status(
      `falling back to ${point.dir}, the newest intact checkpoint (the damaged ones are replaced as training reaches their step)`,
    );
  if (point) status(`resuming from ${point.dir} (step ${point.state.global_step})`);
  else status(`--resume: no checkpoint in ${outputDir} yet; training from step 0`);
  return { resumeFrom: point, removed: [] };
}

function summarise(names: string[]): string {
  return names.length <= 6 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}
