import { encodeTrainingExample } from "../model/chat-encoding.js";
import { loadModelFolder } from "../model/model-folder.js";
import type { TrainConfig } from "./config.js";
import { type TrainingData, trainingMethod } from "./dataset.js";
import type { PromptData } from "./online/prompts.js";
import { encodePrompts } from "./online/rollout.js";
import {
  rowSequences,
  type SequenceEncoder,
  type TrainRow,
  type TruncationStats,
  truncationStats,
} from "./sequences.js";

/**
 * What `train --dry-run` checks without loading any weights: the model folder (config.json, tokenizer, chat template,
 * a weights file present; a missing or broken folder is a DataError naming it), and the token lengths of every
 * example under the model's own chat template, against `max_length` and the model's `max_position_embeddings`.
 * An example's length is that of its longest sequence (an IOPO group has four, a DPO pair two), before truncation.
 */
export interface LengthReport {
  model: string;
  max_length: number;
  max_position_embeddings: number;
  /** Training + validation examples. */
  examples: number;
  sequences: number;
  /** Distribution of the examples' lengths in tokens (nearest-rank percentiles). */
  lengths: { min: number; p50: number; p90: number; p99: number; max: number; mean: number };
  /** Examples longer than max_length: training truncates them (counts by what is cut in `truncation`). */
  over_max_length: number;
  /** Examples longer than max_position_embeddings. */
  over_max_position_embeddings: number;
  /** What max_length does to the data (the same numbers training reports at its start). */
  truncation: TruncationStats;
  /** Problems worth a line before training starts. */
  warnings: string[];
}

/** The sequences an example of `cfg` trains on: the reward model's are a pair's (chosen, rejected) as DPO's. */
function lengthMethod(cfg: TrainConfig) {
  if (cfg.method === "ppo" || cfg.method === "grpo")
    throw new Error(`method ${cfg.method} trains on prompts: use rolloutLengthReport`);
  return cfg.method === "rm" ? "dpo" : trainingMethod({ method: cfg.method, ablation_pairs: cfg.ablation_pairs });
}

export function trainLengthReport(cfg: TrainConfig, data: TrainingData): LengthReport {
  const folder = loadModelFolder(cfg.model_name_or_path, { loadWeights: false });
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  let raw: number[] = [];
  const encode: SequenceEncoder = (prompt, response) => {
    const e = encodeTrainingExample(codec, { conversation: prompt, response }, cfg.dataset);
    raw.push(e.ids.length);
    return { ids: e.ids, responseStart: e.responseStart, promptSuffix: e.promptSuffix };
  };
  const rows = [...data.train.rows, ...data.eval.rows] as TrainRow[];
  const lengths: number[] = [];
  let sequences = 0;
  const truncated = rows.map((row) => {
    raw = [];
    const seqs = rowSequences(row, lengthMethod(cfg), encode, cfg.max_length, cfg.truncation_mode);
    lengths.push(Math.max(...raw));
    sequences += raw.length;
    return seqs;
  });
  const positions = folder.config.max_position_embeddings;
  const overPositions = lengths.filter((n) => n > positions).length;
  const warnings: string[] = [];
  if (cfg.max_length > positions) {
    const beyond = lengths.filter((n) => Math.min(n, cfg.max_length) > positions).length;
    warnings.push(
      `max_length ${cfg.max_length} is larger than the model's max_position_embeddings ${positions}` +
        (beyond > 0
          ? `: ${beyond} example(s) would still be longer than ${positions} tokens after truncation; set max_length <= ${positions}`
          : ""),
    );
  }
  return {
    model: cfg.model_name_or_path,
    max_length: cfg.max_length,
    max_position_embeddings: positions,
    examples: rows.length,
    sequences,
    lengths: lengthStats(lengths),
    over_max_length: lengths.filter((n) => n > cfg.max_length).length,
    over_max_position_embeddings: overPositions,
    truncation: truncationStats(truncated),
    warnings,
  };
}

export function formatLengthReport(r: LengthReport): string {
  const l = r.lengths;
  const lines = [
    `model ${r.model}: max_position_embeddings ${r.max_position_embeddings}; max_length ${r.max_length}`,
    `token lengths of ${r.examples} examples (${r.sequences} sequences, longest per example, chat template applied): ` +
      `min ${l.min}, median ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}, mean ${l.mean}`,
    `${r.over_max_length} example(s) longer than max_length ${r.max_length} (truncated in training: ` +
      `${r.truncation.prompts} prompts, ${r.truncation.responses} responses cut); ` +
      `${r.over_max_position_embeddings} longer than max_position_embeddings ${r.max_position_embeddings}`,
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `train --dry-run` of a rollout method (ppo, grpo): the model folder (no weights) and the prompts' token lengths under
 * its chat template (generation prompt included), against the prompt budget max_length - max_completion_length (a
 * longer prompt is cut by truncation_mode, as training does) and against max_position_embeddings (a prompt plus
 * max_completion_length new tokens must fit the model's positions).
 */
export interface RolloutLengthReport {
  model: string;
  max_length: number;
  max_completion_length: number;
  max_position_embeddings: number;
  prompts: number;
  lengths: LengthReport["lengths"];
  /** Prompts longer than max_length - max_completion_length (cut in training). */
  over_prompt_budget: number;
  /** Prompts that with max_completion_length new tokens exceed max_position_embeddings (before the cut). */
  over_max_position_embeddings: number;
  warnings: string[];
}

export function rolloutLengthReport(cfg: TrainConfig, data: PromptData): RolloutLengthReport {
  const folder = loadModelFolder(cfg.model_name_or_path, { loadWeights: false });
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  const maxNew = cfg.max_completion_length ?? 0;
  const budget = cfg.max_length - maxNew;
  const positions = folder.config.max_position_embeddings;
  const rows = [...data.train, ...data.eval];
  // no cut here (a budget of infinity): the raw lengths
  const encoded = encodePrompts(codec, rows, Number.POSITIVE_INFINITY, cfg.truncation_mode, folder.config.vocab_size);
  const lengths = encoded.map((e) => e.ids.length);
  const warnings: string[] = [];
  if (budget < 1) warnings.push(`max_length ${cfg.max_length} must exceed max_completion_length ${maxNew}`);
  if (cfg.max_length > positions)
    warnings.push(
      `max_length ${cfg.max_length} is larger than the model's max_position_embeddings ${positions}: prompt + ` +
        `completion may not fit the model's positions; set max_length <= ${positions}`,
    );
  return {
    model: cfg.model_name_or_path,
    max_length: cfg.max_length,
    max_completion_length: maxNew,
    max_position_embeddings: positions,
    prompts: rows.length,
    lengths: lengthStats(lengths),
    over_prompt_budget: lengths.filter((n) => n > budget).length,
    over_max_position_embeddings: lengths.filter((n) => Math.min(n, budget) + maxNew > positions).length,
    warnings,
  };
}

export function formatRolloutLengthReport(r: RolloutLengthReport): string {
  const l = r.lengths;
  const budget = r.max_length - r.max_completion_length;
  const lines = [
    `model ${r.model}: max_position_embeddings ${r.max_position_embeddings}; max_length ${r.max_length}, ` +
      `max_completion_length ${r.max_completion_length} (prompt budget ${budget})`,
    `token lengths of ${r.prompts} prompts (chat template with the generation prompt): ` +
      `min ${l.min}, median ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}, mean ${l.mean}`,
    `${r.over_prompt_budget} prompt(s) longer than the prompt budget ${budget} (cut in training); ` +
      `${r.over_max_position_embeddings} whose cut prompt + max_completion_length exceed max_position_embeddings ` +
      `${r.max_position_embeddings}`,
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Min, nearest-rank percentiles, max and mean (one decimal) of token lengths; zeros when there are none. */
function lengthStats(lengths: readonly number[]): LengthReport["lengths"] {
  const sorted = [...lengths].sort((a, b) => a - b);
  const rank = (q: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]! : 0);
  return {
    min: sorted[0] ?? 0,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted.at(-1) ?? 0,
    mean: lengths.length ? Math.round((10 * lengths.reduce((a, b) => a + b, 0)) / lengths.length) / 10 : 0,
  };
}
