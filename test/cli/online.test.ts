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
    const s = runCli(["score", "--model", out, "--data", pairs]);
    expect(s.status, s.stderr).toBe(0);
    const rows = s.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(4);
    expect(typeof rows[0].reward_chosen).toBe("number");
    expect(s.stderr).toMatch(/4 rows, 8 scores, mean_reward -?\d.*4 pairs: accuracy \d\.\d+, margin -?\d/);
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
    const r = runCli(grpo);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time split: generation \d+\.\d s \(\d+%, \d+ tok\/s\), scoring/);
    const bad = runCli([...args, "--reward_funcs", "nope", "--dry-run"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/reward_funcs.*"nope" is neither a known reward function/);
  }, 120_000);
});
