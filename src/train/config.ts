import { isMap, isScalar, LineCounter, parseDocument, parse as parseYamlValue } from "yaml";
import { z } from "zod";
import { DataError } from "../data/errors.js";
import { FORMATS } from "../data/formats/types.js";
import { readUtf8 } from "../data/jsonl.js";
import { METHODS } from "./losses/index.js";
import {
  applyOnlineDefaults,
  checkOnlineConfig,
  ONLINE_ALIASES,
  ONLINE_CONFIG_SHAPE,
  ONLINE_METHODS,
} from "./online/config.js";
import { GRPO_LOSS_TYPES } from "./online/losses.js";
import { LR_SCHEDULERS } from "./schedule.js";
import { TRUNCATION_MODES } from "./truncation.js";

/**
 * The paper's learning rates (section 6.1): 1e-4 for SFT, 5e-6 for DPO and IOPO. The methods the paper gives no
 * rate for (IOPO*, the ablations, SimPO, ORPO) are preference methods compared with DPO and IOPO on the same data,
 * so they default to the preference rate. Used when the config does not set `learning_rate`.
 */
export const PAPER_LEARNING_RATE = { sft: 1e-4, preference: 5e-6 } as const;

export function defaultLearningRate(method: (typeof METHODS)[number]): number {
  return method === "sft" ? PAPER_LEARNING_RATE.sft : PAPER_LEARNING_RATE.preference;
}

/** The paper's maximum length (section 6.1; `cutoff_len: 6000` in the official yaml). */
export const PAPER_MAX_LENGTH = 6000;

/**
 * How the Table 4 ablations (`iopo_input_only`, `iopo_output_only`) use a group's two preference pairs:
 * `separate` (default; footnotes 4-5 train on each group's second preference pair as well) makes each pair
 * its own training example, so the ablations take as many examples and optimizer steps as DPO* on the same groups;
 * `grouped` keeps one example per group whose loss is the mean of its two pair terms (half the steps).
 */
export const ABLATION_PAIRS = ["separate", "grouped"] as const;

/**
 * Training configuration: one YAML file in LLaMA-Factory's commented sections (### model, ### method,
 * ### dataset, ### output, ### train, ### eval). Keys use Hugging Face `TrainingArguments` names where one exists
 * and TRL's for the preference knobs; LLaMA-Factory's names are accepted as aliases. Every key can be overridden on
 * the command line (`--learning_rate 1e-5`).
 *
 * Defaults follow the paper where it sets a value (section 6.1, Implementation Details: learning rate 1e-4 for SFT
 * and 5e-6 for DPO and IOPO, maximum length 6,000, 3 epochs, beta 0.1; footnotes 4-5: the ablations train on the
 * preference pairs as separate examples), then the official example yaml of the IOPO release (LoRA on all linear
 * layers, cosine schedule, warmup ratio 0.1, batch 1 x 8 accumulation), else Hugging Face / TRL.
 */
export const TrainConfigSchema = z.strictObject({
  // ### model
  model_name_or_path: z.string().min(1),
  // ### method
  method: z.enum([...METHODS, ...ONLINE_METHODS]),
  finetuning_type: z.enum(["full", "lora"]).default("lora"),
  lora_rank: z.number().int().positive().default(8),
  /** LLaMA-Factory default: 2 * lora_rank. */
  lora_alpha: z.number().positive().optional(),
  /**
   * PEFT's dropout on the LoRA branch input (training steps only, inverted scaling 1/(1-p)); 0 = off, the paper's
   * recipe. With p > 0 the adapter runs as an activation-path branch with deterministic masks (seed, optimizer step,
   * module, token prefix), so runs are reproducible and --resume replays them.
   */
  lora_dropout: z.number().min(0).lt(1).default(0),
  /** `all` (every linear layer of the decoder blocks) or a comma-separated list of module names (q_proj,v_proj). */
  lora_target: z.string().default("all"),
  /** Preference beta; for grpo TRL's KL coefficient (default 0 there). */
  beta: z.number().min(0).default(0.1),
  /** sigmoid | hinge | ipo for the preference methods; grpo | bnpo | dr_grpo | dapo for grpo (TRL's names). */
  loss_type: z.enum(["sigmoid", "hinge", "ipo", ...GRPO_LOSS_TYPES]).default("sigmoid"),
  label_smoothing: z.number().min(0).max(0.5).default(0),
  pref_ftx: z.number().min(0).default(0),
  simpo_gamma: z.number().default(0.5),
  /** Reference log-probs are computed once before training and cached on disk (data hash + weights hash). */
  precompute_ref_log_probs: z.boolean().default(true),
  /** The Table 4 ablations: each preference pair its own example (separate, the paper's) or one per group. */
  ablation_pairs: z.enum(ABLATION_PAIRS).default("separate"),
  // ### dataset
  dataset: z.string().min(1),
  dataset_format: z.enum(FORMATS).optional(),
  /** Max tokens of prompt + response; every sequence of a group is truncated the same way (LLaMA-Factory infer_seqlen). */
  max_length: z.number().int().positive().default(PAPER_MAX_LENGTH),
  /**
   * TRL's name: which part of an over-long prompt survives. keep_start keeps its first tokens and the chat
   * template's suffix (end of turn + assistant header); keep_end keeps its last tokens.
   */
  truncation_mode: z.enum(TRUNCATION_MODES).default("keep_start"),
  val_size: z.number().min(0).default(0),
  // ### output
  output_dir: z.string().min(1),
  logging_steps: z.number().int().positive().default(10),
  save_steps: z.number().int().positive().default(500),
  /**
   * Hugging Face's name: train from scratch into an output_dir that holds a previous run, removing that run's files
   * first (trainer_log.jsonl, checkpoint-N/, the model files, merged/; other files stay). Without it (or --resume),
   * such an output_dir is refused.
   */
  overwrite_output_dir: z.boolean().default(false),
  // ### train
  per_device_train_batch_size: z.number().int().positive().default(1),
  gradient_accumulation_steps: z.number().int().positive().default(8),
  /** Default: the paper's rate for the method (defaultLearningRate: SFT 1e-4, the preference methods 5e-6). */
  learning_rate: z.number().positive().default(PAPER_LEARNING_RATE.preference),
  num_train_epochs: z.number().positive().default(3),
  max_steps: z.number().int().default(-1),
  lr_scheduler_type: z.enum(LR_SCHEDULERS).default("cosine"),
  warmup_ratio: z.number().min(0).max(1).default(0.1),
  warmup_steps: z.number().int().min(0).default(0),
  weight_decay: z.number().min(0).default(0),
  adam_beta1: z.number().min(0).lt(1).default(0.9),
  adam_beta2: z.number().min(0).lt(1).default(0.999),
  adam_epsilon: z.number().positive().default(1e-8),
  /** Global-norm clipping; 0 turns it off. */
  max_grad_norm: z.number().min(0).default(1),
  seed: z.number().int().default(42),
  /**
   * Divergence watch (src/train/divergence.ts). A step whose loss is above divergence_factor x the median loss of
   * the last divergence_window good steps (and at least 1 nat above it) is a spike; a gradient norm of exactly 0 on
   * the trainable parameters is a collapse. The first of a run of such steps is warned about; divergence_patience
   * of them in a row stop the run (exit non-zero, no checkpoint is written while it lasts, so the last one is good)
   * unless stop_on_divergence is false. A non-finite loss or gradient norm always stops the run at once.
   */
  divergence_factor: z.number().gt(1).default(10),
  divergence_window: z.number().int().positive().default(20),
  divergence_patience: z.number().int().positive().default(5),
  stop_on_divergence: z.boolean().default(true),
  // ### eval
  per_device_eval_batch_size: z.number().int().positive().default(1),
  /** Evaluate every N optimizer steps (default: at the end only). */
  eval_steps: z.number().int().positive().optional(),
  // ### online (rm, ppo, grpo): src/train/online/config.ts
  ...ONLINE_CONFIG_SHAPE,
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** The divergence watch's keys (src/train/divergence.ts). */
const DIVERGENCE_KEYS = [
  "divergence_factor",
  "divergence_window",
  "divergence_patience",
  "stop_on_divergence",
] as const;

export const CONFIG_KEYS = Object.keys(TrainConfigSchema.shape) as (keyof TrainConfig)[];

/** LLaMA-Factory / official IOPO trainer names accepted for our keys. */
export const CONFIG_ALIASES: Record<string, keyof TrainConfig> = {
  pref_beta: "beta",
  pref_loss: "loss_type",
  cutoff_len: "max_length",
  stage: "method",
  iopo_label_smoothing: "label_smoothing",
  dpo_label_smoothing: "label_smoothing",
  model: "model_name_or_path",
  ...(ONLINE_ALIASES as Record<string, keyof TrainConfig>),
};

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

export function suggestKey(key: string): string | undefined {
  const candidates = [...CONFIG_KEYS, ...Object.keys(CONFIG_ALIASES)];
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(key, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** A raw config layer (YAML file or command line) with, for errors, where each key came from. */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
  lines: Record<string, number | undefined>;
}

/** Normalise keys (kebab-case, aliases) and reject unknown ones with a suggestion. */
function normaliseLayer(layer: ConfigLayer): ConfigLayer {
  const values: Record<string, unknown> = {};
  const lines: Record<string, number | undefined> = {};
  for (const [rawKey, v] of Object.entries(layer.values)) {
    const k = rawKey.replace(/-/g, "_");
    const key = (CONFIG_ALIASES[k] ?? k) as string;
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      const hint = suggestKey(k);
      throw new DataError(
        layer.source,
        layer.lines[rawKey],
        rawKey,
        `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`,
      );
    }
    if (key in values && key !== k)
      throw new DataError(layer.source, layer.lines[rawKey], rawKey, `"${key}" is given twice (alias "${rawKey}")`);
    values[key] = v;
    lines[key] = layer.lines[rawKey];
  }
  return { source: layer.source, values, lines };
}

/** Read a YAML config file into a layer, with the line of every top-level key. */
export function readConfigFile(file: string): ConfigLayer {
  const text = readUtf8(file, "a YAML config file");
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new DataError(file, e.linePos?.[0].line, undefined, `invalid YAML: ${e.message.split("\n")[0]}`);
  }
  if (doc.contents === null) return { source: file, values: {}, lines: {} };
  if (!isMap(doc.contents)) throw new DataError(file, undefined, undefined, "expected a mapping of key: value");
  const lines: Record<string, number | undefined> = {};
  for (const item of doc.contents.items) {
    if (isScalar(item.key) && item.key.range) lines[String(item.key.value)] = counter.linePos(item.key.range[0]).line;
  }
  return { source: file, values: doc.toJS() as Record<string, unknown>, lines };
}

/**
 * Parse `--key value` / `--key=value` pairs from the command line into a layer. Values are read as YAML scalars
 * (so `1e-5` is a number, `true` a boolean); a flag with no value is `true`.
 */
export function parseOverrides(args: readonly string[]): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new DataError("command line", undefined, undefined, `unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    let key: string;
    let raw: string;
    if (eq >= 0) [key, raw] = [a.slice(2, eq), a.slice(eq + 1)];
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) [key, raw] = [a.slice(2), args[++i]];
    else [key, raw] = [a.slice(2), "true"];
    values[key] = parseScalar(raw);
  }
  return { source: "command line", values, lines: {} };
}

function parseScalar(raw: string): unknown {
  try {
    const v = parseYamlValue(raw);
    return v === null ? raw : v;
  } catch {
    return raw;
  }
}

/**
 * Merge layers (later wins), apply defaults and validate. Errors are DataErrors naming the layer that set the
 * offending key (file and line, or "command line") and the key.
 */
export function resolveConfig(layers: readonly ConfigLayer[]): TrainConfig {
  const merged: Record<string, unknown> = {};
  const origin: Record<string, { source: string; line?: number }> = {};
  for (const layer of layers.map(normaliseLayer)) {
    for (const [k, v] of Object.entries(layer.values)) {
      merged[k] = v;
      origin[k] = { source: layer.source, line: layer.lines[k] };
    }
  }
  // LLaMA-Factory selects ORPO/SimPO as `stage: dpo` + `pref_loss: orpo|simpo`.
  if (merged.method === "dpo" && (merged.loss_type === "orpo" || merged.loss_type === "simpo")) {
    merged.method = merged.loss_type;
    merged.loss_type = "sigmoid";
  }
  // The online methods take TRL's per-trainer defaults (learning rate, completion length, ...);
  // the others the paper's learning rate, which depends on the method (SFT 1e-4, preference methods 5e-6).
  applyOnlineDefaults(merged);
  if (merged.learning_rate === undefined && (METHODS as readonly unknown[]).includes(merged.method)) {
    merged.learning_rate = defaultLearningRate(merged.method as (typeof METHODS)[number]);
  }
  const result = TrainConfigSchema.safeParse(merged);
  const sources = layers.map((l) => l.source).join(" + ");
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.length ? String(issue.path[0]) : undefined;
    const where = key && origin[key] ? origin[key] : { source: sources, line: undefined };
    const detail = key && !(key in merged) ? `required key is missing (${issue.message})` : issue.message;
    throw new DataError(where.source, where.line, key, detail);
  }
  const cfg = result.data;
  const bad = (key: keyof TrainConfig, detail: string): never => {
    const o = origin[key] ?? { source: sources };
    throw new DataError(o.source, o.line, key, detail);
  };
  if (cfg.label_smoothing > 0 && cfg.loss_type !== "sigmoid")
    bad("label_smoothing", "only allowed with loss_type sigmoid");
  if ((cfg.method === "simpo" || cfg.method === "orpo") && cfg.loss_type === "ipo")
    bad("loss_type", `${cfg.method} supports sigmoid or hinge`);
  if (cfg.val_size >= 1 && !Number.isInteger(cfg.val_size))
    bad("val_size", "a fraction in [0, 1) or a whole number of examples");
  if (cfg.max_steps === 0 || cfg.max_steps < -1) bad("max_steps", "a positive number of steps, or -1 for epochs");
  checkOnlineConfig(
    cfg,
    (k) => k in origin,
    (k, d) => bad(k as keyof TrainConfig, d),
  );
  // PPO's and GRPO's surrogate losses are not meant to fall: the divergence watch does not run for them (a non-finite
  // loss or gradient norm still stops the run), so its keys are refused rather than silently ignored.
  if (cfg.method === "ppo" || cfg.method === "grpo")
    for (const k of DIVERGENCE_KEYS)
      if (k in origin && cfg[k] !== TrainConfigSchema.shape[k].parse(undefined))
        bad(
          k,
          `the divergence watch does not run for ${cfg.method} (it stops on a non-finite loss or gradient norm only)`,
        );
  return cfg;
}

/** Load a training config: optional YAML file, then command-line overrides. */
export function loadTrainConfig(file: string | undefined, overrides: readonly string[] = []): TrainConfig {
  const layers: ConfigLayer[] = [];
  if (file) layers.push(readConfigFile(file));
  layers.push(parseOverrides(overrides));
  return resolveConfig(layers);
}

/** LoRA alpha with LLaMA-Factory's default (2 x rank). */
export function loraAlpha(cfg: TrainConfig): number {
  return cfg.lora_alpha ?? 2 * cfg.lora_rank;
}
