import { describe, expect, it } from "vitest";
import { loadTrainConfig } from "../../../src/train/config.js";
import { rolloutPlan } from "../../../src/train/online/plan.js";

const base = ["--model_name_or_path", "m", "--dataset", "d", "--output_dir", "o"];
const load = (...args: string[]) => loadTrainConfig(undefined, [...base, ...args]);

describe("online config: TRL names and per-trainer defaults", () => {
  it("grpo: beta 0, loss_type dapo, lr 1e-6, 512 tokens at temperature 1, num_generations 8, scale_rewards group", () => {
    const c = load("--method", "grpo", "--reward_funcs", "rules");
    expect(c).toMatchObject({
      beta: 0,
      loss_type: "dapo",
      learning_rate: 1e-6,
      max_completion_length: 512,
      temperature: 1,
      num_generations: 8,
      epsilon: 0.2,
      num_iterations: 1,
      scale_rewards: "group",
      reward_funcs: ["rules"],
    });
    // explicit values win; TRL's booleans for scale_rewards; reward_funcs as a list
    const d = load(
      "--method",
      "grpo",
      "--reward_funcs",
      "[rules, world]",
      "--beta",
      "0.04",
      "--scale_rewards",
      "false",
    );
    expect(d).toMatchObject({ beta: 0.04, scale_rewards: "none", reward_funcs: ["rules", "world"] });
  });
  it("ppo: kl_coef 0.05 (k1), gamma 1, lam 0.95, cliprange 0.2, vf_coef 0.1, 4 epochs, response_length 53, T 0.7", () => {
    const c = load("--method", "ppo", "--reward_model_path", "rm", "--response_length", "20");
    expect(c).toMatchObject({
      kl_coef: 0.05,
      kl_estimator: "k1",
      gamma: 1,
      lam: 0.95,
      cliprange: 0.2,
      cliprange_value: 0.2,
      vf_coef: 0.1,
      num_ppo_epochs: 4,
      num_mini_batches: 1,
      max_completion_length: 20,
      temperature: 0.7,
      learning_rate: 3e-6,
    });
    expect(load("--method", "rm").learning_rate).toBe(1e-4);
  });
  it("refuses inconsistent settings, naming the key", () => {
    expect(() => load("--method", "grpo", "--reward_funcs", "rules", "--loss_type", "sigmoid")).toThrow(
      /field "loss_type"/,
    );
    expect(() => load("--method", "dpo", "--loss_type", "dapo")).toThrow(/field "loss_type": dapo is a GRPO loss type/);
    expect(() =>
      load(
        "--method",
        "grpo",
        "--reward_funcs",
        "rules",
        "--per_device_train_batch_size",
        "3",
        "--gradient_accumulation_steps",
        "1",
      ),
    ).toThrow(/field "num_generations"/);
    expect(() => load("--method", "grpo")).toThrow(/field "reward_funcs"/);
    expect(() => load("--method", "grpo", "--reward_funcs", "a,b", "--reward_weights", "[1]")).toThrow(
      /field "reward_weights"/,
    );
    expect(() => load("--method", "ppo")).toThrow(/field "reward_model_path"/);
    expect(() => load("--method", "dpo", "--beta", "0")).toThrow(/field "beta"/);
    expect(() => load("--method", "dpo", "--kl_coef", "0.1")).toThrow(
      /field "kl_coef": only read by the online methods/,
    );
    expect(() => load("--method", "grpo", "--reward_funcs", "rules", "--num_generations", "1")).toThrow(
      /num_generations/,
    );
    // ppo and grpo run no divergence watch: its keys are refused for them rather than silently ignored
    expect(() => load("--method", "grpo", "--reward_funcs", "rules", "--stop_on_divergence", "false")).toThrow(
      /field "stop_on_divergence": the divergence watch does not run for grpo/,
    );
    expect(() => load("--method", "ppo", "--reward_model_path", "rm", "--divergence_factor", "4")).toThrow(
      /field "divergence_factor": the divergence watch does not run for ppo/,
    );
    expect(load("--method", "rm", "--divergence_factor", "4").divergence_factor).toBe(4);
  });
  it("the paper's learning rates for the offline methods, TRL's for the online ones", () => {
    expect(load("--method", "sft").learning_rate).toBe(1e-4);
    expect(load("--method", "iopo").learning_rate).toBe(5e-6);
    expect(load("--method", "grpo", "--reward_funcs", "rules").learning_rate).toBe(1e-6);
  });
  it("a resolved config fed back validates again (defaults of online keys are not 'given')", () => {
    for (const c of [load("--method", "dpo"), load("--method", "grpo", "--reward_funcs", "rules")])
      expect(() =>
        loadTrainConfig(
          undefined,
          Object.entries(c).flatMap(([k, v]) => [`--${k}`, JSON.stringify(v)]),
        ),
      ).not.toThrow();
  });
});

describe("rollout plan", () => {
  it("grpo: (batch x accumulation) / num_generations prompts per rollout, num_iterations steps each", () => {
    const c = load(
      "--method",
      "grpo",
      "--reward_funcs",
      "rules",
      "--per_device_train_batch_size",
      "4",
      "--gradient_accumulation_steps",
      "4",
      "--num_iterations",
      "2",
      "--num_train_epochs",
      "1",
    );
    const p = rolloutPlan(c, 10);
    expect(p.promptsPerRollout).toBe(2);
    expect(p.completionsPerPrompt).toBe(8);
    expect(p.totalSteps).toBe(10);
    expect(rolloutPlan({ ...c, max_steps: 3 }, 10).totalSteps).toBe(3);
  });
  it("ppo: batch x accumulation prompts per step", () => {
    const c = load(
      "--method",
      "ppo",
      "--reward_model_path",
      "r",
      "--per_device_train_batch_size",
      "2",
      "--gradient_accumulation_steps",
      "2",
      "--num_train_epochs",
      "2",
    );
    const p = rolloutPlan(c, 10);
    expect(p.promptsPerRollout).toBe(4);
    expect(p.totalSteps).toBe(6); // ceil(10 / 4) = 3 per epoch
  });
});
