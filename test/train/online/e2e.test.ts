import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readJournal } from "../../../src/data/jsonl.js";
import { releaseSessions } from "../../../src/engine/session.js";
import { readCheckpoint } from "../../../src/model/checkpoint.js";
import { loadModelFolder } from "../../../src/model/model-folder.js";
import { writeTinyModel } from "../../../src/model/tiny-model.js";
import { loadTrainConfig } from "../../../src/train/config.js";
import { loadRewardModel } from "../../../src/train/online/reward-model.js";
import { scoreRows } from "../../../src/train/online/score-rows.js";
import { trainFromConfig } from "../../../src/train/run.js";
import { readF32Tensors } from "../../../src/train/tensor-file.js";

/** `iopo train --method rm | ppo | grpo` end to end on a tiny random Qwen2 model written by our own writer. */
afterAll(releaseSessions);

const root = mkdtempSync(join(tmpdir(), "iopo-online-"));
const modelDir = join(root, "tiny");
writeTinyModel(modelDir, { modelType: "qwen2", hiddenSize: 32, numLayers: 2, seed: 3, initStd: 0.1 });
const data = join(root, "groups.jsonl");
writeFileSync(
  data,
  Array.from({ length: 6 }, (_, i) =>
    JSON.stringify({
      id: `g${i}`,
      x1: {
        messages: [{ role: "user", content: `Write about topic ${i}. Include the word "red".` }],
        constraints_splits: ['Include the word "red".'],
      },
      y1: `red blue green ${i}`,
      x2: {
        messages: [{ role: "user", content: `Write about topic ${i}. Do not use the word "red".` }],
        constraints_splits: ['Do not use the word "red".'],
      },
      y2: "one two three",
    }),
  ).join("\n"),
);

function cfg(method: string, out: string, over: string[] = []) {
  return loadTrainConfig(undefined, [
    "--model_name_or_path",
    modelDir,
    "--dataset",
    data,
    "--output_dir",
    join(root, out),
    "--method",
    method,
    "--finetuning_type",
    "full",
    "--lr_scheduler_type",
    "constant",
    "--warmup_ratio",
    "0",
    "--logging_steps",
    "1",
    "--save_steps",
    "2",
    "--max_completion_length",
    "8",
    ...over,
  ]);
}

const rows = (dir: string) => readJournal<Record<string, unknown>>(join(root, dir, "trainer_log.jsonl"));
const stripTime = (r: Record<string, unknown>) => {
  const { elapsed_time: _a, remaining_time: _b, tokens_per_second: _c, eps: _d, ...rest } = r;
  return rest;
};
const tensorsEqual = (a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>) => {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, t] of a) expect(Buffer.from(t.data.buffer).equals(Buffer.from(b.get(k)!.data.buffer)), k).toBe(true);
};

describe("reward model (--method rm)", () => {
  const rm = ["--max_steps", "4", "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1"];

  it("trains on IOPO groups' pairs with TRL's metrics and saves a Qwen2ForSequenceClassification folder", async () => {
    const r = await trainFromConfig(cfg("rm", "rm", [...rm, "--val_size", "2", "--learning_rate", "1e-3"]));
    expect(r.finished).toBe(true);
    const log = rows("rm");
    for (const k of ["loss", "accuracy", "margin", "min_reward", "mean_reward", "max_reward", "grad_norm"])
      expect(log[0]).toHaveProperty(k);
    expect(log.at(-1)).toHaveProperty("eval_accuracy");
    const config = JSON.parse(readFileSync(join(root, "rm", "config.json"), "utf8"));
    expect(config.architectures).toEqual(["Qwen2ForSequenceClassification"]);
    expect(config.num_labels).toBe(1);
    expect(config.id2label).toEqual({ "0": "LABEL_0" });
    expect(typeof config.pad_token_id).toBe("number");
    const w = readCheckpoint(join(root, "rm")).weights;
    expect(w.get("score.weight")!.shape).toEqual([1, 32]);
    expect(w.has("lm_head.weight")).toBe(false);
    // the folder loads as a model folder (the classifier's expected tensors) and scores rows
    expect(loadModelFolder(join(root, "rm")).checkpoint!.weights.has("score.weight")).toBe(true);
    const scored = await scoreRows({ model: join(root, "rm"), data });
    expect(scored.rows[0]).toHaveProperty("reward_x1_y1");
    expect(scored.summary.pairs).toBe(12);
    const scorer = await loadRewardModel(join(root, "rm"));
    const again = await scorer.score([
      {
        prompt: [{ role: "user" as const, content: 'Write about topic 0. Include the word "red".' }],
        response: "red blue green 0",
      },
    ]);
    expect(again[0]).toBeCloseTo(scored.rows[0]!.reward_x1_y1 as number, 5);
  });

  it("resume == uninterrupted (the score head restored from the checkpoint)", async () => {
    const over = [...rm, "--learning_rate", "1e-3", "--save_steps", "2"];
    await trainFromConfig(cfg("rm", "rm-resume-a", over));
    const b = cfg("rm", "rm-resume-b", over);
    await trainFromConfig(b, { stopAfter: 3 });
    await trainFromConfig(b, { resume: true });
    tensorsEqual(readCheckpoint(join(root, "rm-resume-a")).weights, readCheckpoint(join(root, "rm-resume-b")).weights);
    expect(rows("rm-resume-b").map(stripTime)).toEqual(rows("rm-resume-a").map(stripTime));
  });

  it("LoRA: a PEFT SEQ_CLS adapter with the score head in modules_to_save, and the merged classifier", async () => {
    await trainFromConfig(cfg("rm", "rm-lora", [...rm, "--finetuning_type", "lora", "--lora_rank", "4"]));
    const adapter = JSON.parse(readFileSync(join(root, "rm-lora", "adapter_config.json"), "utf8"));
    expect(adapter.task_type).toBe("SEQ_CLS");
    expect(adapter.modules_to_save).toEqual(["score"]);
    expect(
      readF32Tensors(join(root, "rm-lora", "adapter_model.safetensors")).has("base_model.model.score.weight"),
    ).toBe(true);
    const viaAdapter = await loadRewardModel(join(root, "rm-lora"));
    const viaMerged = await loadRewardModel(join(root, "rm-lora", "merged"));
    const item = [{ prompt: [{ role: "user" as const, content: "hello" }], response: "red" }];
    expect((await viaAdapter.score(item))[0]).toBeCloseTo((await viaMerged.score(item))[0]!, 4);
  });
});

describe("GRPO (--method grpo)", () => {
  // the rule reward barely varies on a random model's output; a length reward makes every group informative
  const rewards = {
    chars: () => ({
      name: "chars",
      fn: (xs: readonly { completion: string }[]) => xs.map((x) => x.completion.length / 10),
    }),
  };
  const grpo = [
    "--reward_funcs",
    "rules,chars",
    "--reward_weights",
    "[1, 0.5]",
    "--num_generations",
    "4",
    "--per_device_train_batch_size",
    "4",
    "--gradient_accumulation_steps",
    "2",
    "--learning_rate",
    "1e-3",
    "--max_steps",
    "4",
  ];

  it("logs TRL's metrics and the completions, checkpoints the sampling state, and resume == uninterrupted", async () => {
    const a = await trainFromConfig(cfg("grpo", "grpo-a", [...grpo, "--val_size", "2"]), { rewards });
    expect(a.finished).toBe(true);
    expect(a.timing!.generation_s).toBeGreaterThan(0);
    const log = rows("grpo-a");
    const first = log[0]!;
    for (const k of [
      "loss",
      "grad_norm",
      "reward",
      "reward_std",
      "frac_reward_zero_std",
      "rewards/rules/mean",
      "rewards/chars/mean",
      "completions/mean_length",
      "completions/clipped_ratio",
      "entropy",
      "clip_ratio/region_mean",
      "episode",
    ])
      expect(first, k).toHaveProperty(k);
    expect(log.at(-1)).toHaveProperty("eval_reward");
    expect(log.every((r) => !("grad_norm" in r) || (r.grad_norm as number) > 0)).toBe(true);
    const completions = readJournal<Record<string, unknown>>(join(root, "grpo-a", "completions.jsonl"));
    expect(completions.length).toBe(4 * 8); // every step logs its 8 completions
    expect(completions[0]).toMatchObject({ step: 1 });
    expect(completions[0]).toHaveProperty("advantage");
    const state = JSON.parse(readFileSync(join(root, "grpo-a", "checkpoint-2", "trainer_state.json"), "utf8"));
    expect(typeof state.rng.next_rollout_seed).toBe("number");
    expect(state.episode).toBe(4); // 2 prompts per step

    const b = cfg("grpo", "grpo-b", [...grpo, "--val_size", "2"]);
    expect((await trainFromConfig(b, { stopAfter: 3, rewards })).finished).toBe(false);
    await trainFromConfig(b, { resume: true, rewards });
    tensorsEqual(readCheckpoint(join(root, "grpo-a")).weights, readCheckpoint(join(root, "grpo-b")).weights);
    expect(rows("grpo-b").map(stripTime)).toEqual(log.map(stripTime));
    expect(readJournal(join(root, "grpo-b", "completions.jsonl"))).toEqual(completions);
  });

  it("num_iterations 2 reuses each generation for two steps and resumes in the middle of one", async () => {
    const over = [...grpo, "--num_iterations", "2", "--save_steps", "1"];
    await trainFromConfig(cfg("grpo", "grpo-mu-a", over), { rewards });
    const b = cfg("grpo", "grpo-mu-b", over);
    await trainFromConfig(b, { stopAfter: 1, rewards });
    expect(existsSync(join(root, "grpo-mu-b", "checkpoint-1", "rollout_buffer.json"))).toBe(true);
    await trainFromConfig(b, { resume: true, rewards });
    tensorsEqual(readCheckpoint(join(root, "grpo-mu-a")).weights, readCheckpoint(join(root, "grpo-mu-b")).weights);
    const log = rows("grpo-mu-a");
    expect(log[0]).toHaveProperty("reward");
    expect(log[1]).not.toHaveProperty("reward"); // the second step of a generation samples nothing
  });

  it("gradient accumulation: 1 x 8 completions == 8 x 1 (loss_type dapo)", async () => {
    const drop = new Set(["--per_device_train_batch_size", "--gradient_accumulation_steps", "--max_steps"]);
    const common = grpo.filter((x, i, a) => !drop.has(x) && !drop.has(a[i - 1] ?? ""));
    const run = (out: string, per: number, acc: number) =>
      trainFromConfig(
        cfg("grpo", out, [
          ...common,
          "--max_steps",
          "2",
          "--per_device_train_batch_size",
          String(per),
          "--gradient_accumulation_steps",
          String(acc),
        ]),
        { rewards },
      );
    await run("grpo-acc-a", 8, 1);
    await run("grpo-acc-b", 1, 8);
    const a = readCheckpoint(join(root, "grpo-acc-a")).weights;
    const b = readCheckpoint(join(root, "grpo-acc-b")).weights;
    const base = readCheckpoint(modelDir).weights;
    let moved = 0;
    for (const [k, t] of a) {
      const u = b.get(k)!.data;
      const w0 = base.get(k)!.data;
      let worst = 0;
      for (let i = 0; i < t.data.length; i++) {
        worst = Math.max(worst, Math.abs(t.data[i]! - u[i]!));
        moved = Math.max(moved, Math.abs(t.data[i]! - w0[i]!));
      }
      expect(worst, k).toBeLessThan(1e-5);
    }
    expect(moved).toBeGreaterThan(1e-4);
  });

  it("LoRA: adapters saved as PEFT files, merged model written at the end", async () => {
    await trainFromConfig(
      cfg("grpo", "grpo-lora", [...grpo, "--finetuning_type", "lora", "--lora_rank", "4", "--max_steps", "2"]),
      { rewards },
    );
    expect(existsSync(join(root, "grpo-lora", "adapter_model.safetensors"))).toBe(true);
    expect(existsSync(join(root, "grpo-lora", "merged", "model.safetensors"))).toBe(true);
  });

  it("a reward function that can score none of the prompts is refused before training", async () => {
    await expect(
      trainFromConfig(cfg("grpo", "grpo-bad", [...grpo, "--reward_funcs", "world", "--reward_weights", "[1]"])),
    ).rejects.toThrow(/neither a known reward function/);
    const noConstraints = join(root, "plain.jsonl");
    writeFileSync(noConstraints, `${JSON.stringify({ prompt: "hi" })}\n${JSON.stringify({ prompt: "there" })}\n`);
    const c = cfg("grpo", "grpo-bad2", [...grpo, "--reward_funcs", "rules", "--reward_weights", "[1]"]);
    await expect(trainFromConfig({ ...c, dataset: noConstraints })).rejects.toThrow(
      /can score none of the 2 training prompts/,
    );
  });
});

describe("PPO (--method ppo)", () => {
  const ppo = (rmDir: string) => [
    "--reward_model_path",
    join(root, rmDir),
    "--per_device_train_batch_size",
    "2",
    "--gradient_accumulation_steps",
    "2",
    "--num_ppo_epochs",
    "2",
    "--num_mini_batches",
    "2",
    "--learning_rate",
    "1e-3",
    "--max_steps",
    "3",
  ];

  it("trains against the reward model with TRL's metrics; resume (value head included) == uninterrupted", async () => {
    const a = await trainFromConfig(cfg("ppo", "ppo-a", ppo("rm")));
    expect(a.finished).toBe(true);
    const log = rows("ppo-a");
    for (const k of [
      "objective/kl",
      "objective/entropy",
      "objective/non_score_reward",
      "objective/rlhf_reward",
      "objective/scores",
      "policy/approxkl_avg",
      "policy/clipfrac_avg",
      "loss/policy_avg",
      "loss/value_avg",
      "val/clipfrac_avg",
      "policy/entropy_avg",
      "val/ratio",
      "val/ratio_var",
      "val/num_eos_tokens",
      "lr",
      "episode",
      "eps",
    ])
      expect(log[0], k).toHaveProperty(k);
    expect(existsSync(join(root, "ppo-a", "checkpoint-2", "value_head.safetensors"))).toBe(true);
    // the policy folder is a plain causal LM
    expect(readCheckpoint(join(root, "ppo-a")).weights.has("v_head.summary.weight")).toBe(false);
    const b = cfg("ppo", "ppo-b", ppo("rm"));
    await trainFromConfig(b, { stopAfter: 2 });
    await trainFromConfig(b, { resume: true });
    tensorsEqual(readCheckpoint(join(root, "ppo-a")).weights, readCheckpoint(join(root, "ppo-b")).weights);
    tensorsEqual(
      readF32Tensors(join(root, "ppo-a", "value_head.safetensors")),
      readF32Tensors(join(root, "ppo-b", "value_head.safetensors")),
    );
    expect(rows("ppo-b").map(stripTime)).toEqual(log.map(stripTime));
  });

  it("LoRA policy with the LoRA reward model", async () => {
    const r = await trainFromConfig(
      cfg("ppo", "ppo-lora", [...ppo("rm-lora"), "--finetuning_type", "lora", "--max_steps", "1"]),
    );
    expect(r.finished).toBe(true);
    expect(existsSync(join(root, "ppo-lora", "merged", "config.json"))).toBe(true);
  });
});
