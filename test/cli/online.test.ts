import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { loadTrainConfig } from "../../src/train/config.js";
import { trainFromConfig } from "../../src/train/run.js";
import { generateEvalSet } from "../../src/world/eval-set.js";
import { runCli } from "../helpers/cli.js";

/** `iopo train --method rm|grpo` and `iopo score` through the real command line. */
const dir = mkdtempSync(join(tmpdir(), "iopo-cli-online-"));
const model = join(dir, "tiny");
writeTinyModel(model, { hiddenSize: 32, numLayers: 2, seed: 2, initStd: 0.1 });
const pairs = join(dir, "pairs.jsonl");
writeFileSync(
  pairs,
  Array.from({ length: 4 }, (_, i) =>
    JSON.stringify({
      prompt: [{ role: "user", content: `q${i}` }],
      chosen: [{ role: "assistant", content: "good" }],
      rejected: [{ role: "assistant", content: "bad" }],
    }),
  ).join("\n"),
);
const world = join(dir, "world.jsonl");
writeFileSync(
  world,
  generateEvalSet(4, 1, 1, 2)
    .map((r) => JSON.stringify(r))
    .join("\n"),
);
const common = ["--model_name_or_path", model, "--finetuning_type", "full", "--max_steps", "2", "--logging_steps", "1"];

describe("online methods on the command line", () => {
  it("iopo score prints rewards with TRL's accuracy and margin", async () => {
    const out = join(dir, "rm");
    // the reward model is trained in-process (the rm command line is the same trainFromConfig)
    await trainFromConfig(
      loadTrainConfig(undefined, [
        "--method",
        "rm",
        "--dataset",
        pairs,
        "--output_dir",
        out,
        ...common,
        "--per_device_train_batch_size",
        "2",
        "--gradient_accumulation_steps",
        "1",
      ]),
    );
    const s = runCli(["score", "--model-dir", out, "--input", pairs]);
    expect(s.status, s.stderr).toBe(0);
    const rows = s.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(4);
    expect(typeof rows[0].reward_chosen).toBe("number");
    expect(s.stderr).toMatch(/4 rows, 8 scores, mean_reward -?\d.*4 pairs: accuracy \d\.\d+, margin -?\d/);
    // every sequence is checked against the model's context first (here a --max-length below every pair's length)
    const err = runCli(["score", "--model-dir", out, "--input", pairs, "--max-length", "4", "--on-overlong", "error"]);
    expect(err.status).toBe(2);
    expect(err.stderr).toMatch(/pairs\.jsonl:1: prompt \+ response of \d+ tokens, over max_length 4 \(8 rows in all/);
    const skip = runCli(["score", "--model-dir", out, "--input", pairs, "--max-length", "4"]);
    expect(skip.status, skip.stderr).toBe(0);
    expect(skip.stdout.trim()).toBe("");
    expect(skip.stderr).toMatch(/4 row\(s\) left out/);
    const cut = runCli([
      "score",
      "--model-dir",
      out,
      "--input",
      pairs,
      "--max-length",
      "12",
      "--on-overlong",
      "truncate",
    ]);
    expect(cut.status, cut.stderr).toBe(0);
    expect(cut.stderr).toMatch(/8 sequences checked against max_length 12: 8 truncated/);
    expect(cut.stdout.trim().split("\n")).toHaveLength(4);
  }, 120_000);

  it("grpo with the world's reward: plan line, time split; a bad reward name exits 2 naming reward_funcs", () => {
    const args = ["train", "--method", "grpo", "--dataset", world, "--output_dir", join(dir, "grpo"), ...common];
    const grpo = [
      ...args,
      "--reward_funcs",
      "world",
      "--num_generations",
      "2",
      "--per_device_train_batch_size",
      "2",
      "--gradient_accumulation_steps",
      "1",
      "--max_completion_length",
      "6",
    ];
    const dry = runCli([...grpo, "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      /^grpo: 4 training \+ 0 validation prompts .*; 2 steps \(1 prompts x 2 completions per rollout/,
    );
    // the prompts' token lengths against the prompt budget (max_length 6000 - 6) and the model's 512 positions
    expect(dry.stdout).toMatch(/max_length 6000, max_completion_length 6 \(prompt budget 5994\)/);
    expect(dry.stdout).toMatch(/token lengths of 4 prompts \(chat template with the generation prompt\): min \d+/);
    expect(dry.stdout).toMatch(/warning: max_length 6000 is larger than the model's max_position_embeddings/);
    const r = runCli(grpo);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time split: generation \d+\.\d s \(\d+%, \d+ tok\/s\), scoring/);
    const bad = runCli([...args, "--reward_funcs", "nope", "--dry-run"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/reward_funcs.*"nope" is neither a known reward function/);
  }, 120_000);
});
