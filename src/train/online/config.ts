import { z } from "zod";
import type { Method } from "../losses/methods.js";
import { GRPO_LOSS_TYPES } from "./losses.js";

/**
 * The configuration keys of the online methods (`method: rm | ppo | grpo`), under TRL's names: RewardConfig,
 * PPOConfig (trl/experimental/ppo/ppo_config.py) and GRPOConfig (trl/trainer/grpo_config.py). They join the one
 * training config (src/train/config.ts); the defaults TRL sets differently per trainer (learning rate, completion
 * length, temperature, GRPO's beta and loss_type) apply when the key is not given (`ONLINE_DEFAULTS`).
 */
export const ONLINE_METHODS = ["rm", "ppo", "grpo"] as const;
export type OnlineMethod = (typeof ONLINE_METHODS)[number];

/** Every `method` of the training config. */
export type TrainMethod = Method | OnlineMethod;

export function isOnlineMethod(m: string): m is OnlineMethod {
  return (ONLINE_METHODS as readonly string[]).includes(m);
}

/** Rollout methods (sampling from the policy). */
export function isRolloutMethod(m: string): m is "ppo" | "grpo" {
  return m === "ppo" || m === "grpo";
}

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s !== ""));

export const ONLINE_CONFIG_SHAPE = {
  // ### rollouts (ppo, grpo)
  /** Longest completion sampled (TRL GRPO `max_completion_length`, 512; PPO calls it `response_length`, 53). */
  max_completion_length: z.number().int().positive().optional(),
  /** Sampling temperature, also applied to the log-probs that are trained (TRL: PPO 0.7, GRPO 1.0). */
  temperature: z.number().positive().optional(),
  top_p: z.number().gt(0).max(1).default(1),
  /** Write the sampled completions (prompt, completion, rewards, advantage) of every logging step to completions.jsonl. */
  log_completions: z.boolean().default(true),
  /**
   * Subtracted from the score of a completion that ran out of tokens before an EOS (TRL PPOConfig; for grpo an
   * extension: subtracted from the weighted reward).
   */
  missing_eos_penalty: z.number().min(0).optional(),
  /**
   * TRL's `disable_dropout`: no LoRA dropout in the training steps (defaults: rm true as TRL RewardConfig, ppo true as
   * TRL's PPOTrainer always does, grpo false as GRPOConfig).
   */
  disable_dropout: z.boolean().optional(),
  // ### ppo
  /** The reward model folder (a `*ForSequenceClassification` folder written by `--method rm`). */
  reward_model_path: z.string().min(1).optional(),
  num_ppo_epochs: z.number().int().positive().default(4),
  num_mini_batches: z.number().int().positive().default(1),
  kl_coef: z.number().min(0).default(0.05),
  kl_estimator: z.enum(["k1", "k3"]).default("k1"),
  cliprange: z.number().positive().default(0.2),
  cliprange_value: z.number().positive().default(0.2),
  vf_coef: z.number().min(0).default(0.1),
  gamma: z.number().min(0).max(1).default(1),
  lam: z.number().min(0).max(1).default(0.95),
  whiten_rewards: z.boolean().default(false),
  // ### grpo
  num_generations: z.number().int().min(2).default(8),
  /** Reward functions: built-in names (`rules`, `rules_all`, and from the CLI `world`, `ifeval`, ...) or reward model folders. */
  reward_funcs: list.optional(),
  /** One weight per reward function (default 1 each); the reward is their weighted sum. */
  reward_weights: z.array(z.number()).optional(),
  epsilon: z.number().positive().default(0.2),
  /** Upper clipping epsilon (DAPO recommends 0.28); default: epsilon. */
  epsilon_high: z.number().positive().optional(),
  num_iterations: z.number().int().positive().default(1),
  scale_rewards: z
    .union([z.enum(["group", "batch", "none"]), z.boolean()])
    .transform((v) => (v === true ? "group" : v === false ? "none" : v))
    .default("group"),
  mask_truncated_completions: z.boolean().default(false),
  // ### rm
  /** TRL RewardConfig: adds c * mean((r_chosen + r_rejected)^2) to centre the rewards (Eisenstein et al. 2023). */
  center_rewards_coefficient: z.number().min(0).optional(),
};

/** TRL's per-trainer defaults that differ from the offline methods', applied when the key is not set. */
export const ONLINE_DEFAULTS: Record<OnlineMethod, Record<string, unknown>> = {
  rm: { learning_rate: 1e-4, disable_dropout: true },
  ppo: { learning_rate: 3e-6, max_completion_length: 53, temperature: 0.7, disable_dropout: true },
  grpo: {
    learning_rate: 1e-6,
    max_completion_length: 512,
    temperature: 1,
    beta: 0,
    loss_type: "dapo",
    disable_dropout: false,
  },
};

/** Aliases of the online keys (TRL PPO's name for the completion length). */
export const ONLINE_ALIASES: Record<string, string> = { response_length: "max_completion_length" };

/** Fill in the method's TRL defaults for keys the layers did not set (before validation). */
export function applyOnlineDefaults(merged: Record<string, unknown>): void {
  const m = merged.method;
  if (typeof m !== "string" || !isOnlineMethod(m)) return;
  for (const [k, v] of Object.entries(ONLINE_DEFAULTS[m])) if (!(k in merged)) merged[k] = v;
}

/** The keys only the online methods read (a preference method given one is told so). */
export const ONLINE_ONLY_KEYS = Object.keys(ONLINE_CONFIG_SHAPE);

/** The online keys' defaults (a resolved config fed back keeps them: only other values are refused). */
const ONLINE_KEY_DEFAULTS = z.object(ONLINE_CONFIG_SHAPE).parse({}) as Record<string, unknown>;

type Bad = (key: string, detail: string) => never;

/** Checks across keys, after validation. */
export function checkOnlineConfig(
  cfg: {
    method: string;
    beta: number;
    loss_type: string;
    per_device_train_batch_size: number;
    gradient_accumulation_steps: number;
    num_generations: number;
    num_mini_batches: number;
    reward_funcs?: string[];
    reward_weights?: number[];
    reward_model_path?: string;
    finetuning_type: string;
  },
  given: (key: string) => boolean,
  bad: Bad,
): void {
  const grpoLoss = (GRPO_LOSS_TYPES as readonly string[]).includes(cfg.loss_type);
  if (cfg.method === "grpo") {
    if (!grpoLoss) bad("loss_type", `grpo supports ${GRPO_LOSS_TYPES.join(", ")}`);
    const batch = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps;
    if (batch % cfg.num_generations !== 0)
      bad(
        "num_generations",
        `the completions of an optimizer step (per_device_train_batch_size x gradient_accumulation_steps = ${batch}) ` +
          `must be a multiple of num_generations (${cfg.num_generations})`,
      );
    if (!cfg.reward_funcs?.length) bad("reward_funcs", "grpo needs at least one reward function");
    if (cfg.reward_weights && cfg.reward_weights.length !== cfg.reward_funcs!.length)
      bad("reward_weights", `${cfg.reward_weights.length} weights for ${cfg.reward_funcs!.length} reward functions`);
  } else {
    if (grpoLoss) bad("loss_type", `${cfg.loss_type} is a GRPO loss type (method ${cfg.method})`);
    if (cfg.beta === 0 && cfg.method !== "ppo" && cfg.method !== "rm") bad("beta", "must be > 0");
  }
  if (cfg.method === "ppo") {
    if (!cfg.reward_model_path)
      bad("reward_model_path", "ppo needs the reward model folder (train one with --method rm)");
    const batch = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps;
    if (batch % cfg.num_mini_batches !== 0)
      bad("num_mini_batches", `the rollout batch (${batch} prompts) must be a multiple of num_mini_batches`);
    if (batch / cfg.num_mini_batches < cfg.per_device_train_batch_size)
      bad("num_mini_batches", "a mini-batch must hold at least per_device_train_batch_size prompts");
  }
  if (!isOnlineMethod(cfg.method)) {
    const values = cfg as unknown as Record<string, unknown>;
    for (const k of ONLINE_ONLY_KEYS)
      if (given(k) && values[k] !== undefined && values[k] !== ONLINE_KEY_DEFAULTS[k])
        bad(k, `only read by the online methods (rm, ppo, grpo)`);
  }
}
