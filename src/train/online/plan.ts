import type { TrainConfig } from "../config.js";
import { DataPlan } from "../plan.js";

/**
 * How a rollout run walks its prompts. The prompt order of every epoch is the offline trainer's seeded
 * permutation (src/train/plan.ts); one rollout takes `promptsPerRollout` prompts:
 *   ppo   per_device_train_batch_size x gradient_accumulation_steps prompts, one completion each, per step
 *   grpo  (per_device_train_batch_size x gradient_accumulation_steps) / num_generations prompts, num_generations
 *         completions each, reused for num_iterations optimizer steps
 * max_steps counts steps (TRL's global_step: PPO updates, GRPO optimizer steps); otherwise num_train_epochs passes
 * over the prompts (the last rollout of an epoch may take fewer prompts).
 */
export interface RolloutPlan {
  plan: DataPlan;
  promptsPerRollout: number;
  completionsPerPrompt: number;
  /** optimizer steps (grpo) or updates (ppo) per rollout */
  stepsPerRollout: number;
  totalSteps: number;
}

export function rolloutPlan(cfg: TrainConfig, numPrompts: number): RolloutPlan {
  const completions = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps;
  const grpo = cfg.method === "grpo";
  const perPrompt = grpo ? cfg.num_generations : 1;
  const stepsPerRollout = grpo ? cfg.num_iterations : 1;
  const promptsPerRollout = completions / perPrompt;
  const maxRollouts = cfg.max_steps > 0 ? Math.ceil(cfg.max_steps / stepsPerRollout) : -1;
  const plan = new DataPlan(numPrompts, promptsPerRollout, 1, cfg.num_train_epochs, maxRollouts, cfg.seed);
  const totalSteps = cfg.max_steps > 0 ? cfg.max_steps : plan.totalSteps * stepsPerRollout;
  return { plan, promptsPerRollout, completionsPerPrompt: perPrompt, stepsPerRollout, totalSteps };
}
