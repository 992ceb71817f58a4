import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../../src/data/jsonl.js";
import { loadTrainConfig } from "../../../src/train/config.js";
import { formatTiming, newTiming, type OnlineAlgorithm, runOnlineLoop } from "../../../src/train/online/loop.js";
import { TrainingDivergedError } from "../../../src/train/trainer.js";

const root = mkdtempSync(join(tmpdir(), "iopo-loop-"));

/** A one-parameter algorithm: each step takes one optimizer step with gradient 1, and a NaN loss from step `nanAt`. */
function fake(nanAt = Number.POSITIVE_INFINITY): OnlineAlgorithm & { p: Float32Array } {
  const p = Float32Array.of(1);
  return {
    p,
    totalSteps: 6,
    epochAfter: (d) => d / 6,
    episodesAfter: (d) => 2 * d,
    rolloutSeed: (s) => 100 + s,
    async step(step, ctx) {
      const norm = ctx.optimize(new Map([["w", Float32Array.of(1)]]));
      return {
        loss: step + 1 >= nanAt ? Number.NaN : step,
        gradNorm: norm,
        metrics: { reward: step / 10 },
        tokens: 3,
        rolloutTokens: 5,
        completions: [{ prompt: "p", completion: `c${step}` }],
      };
    },
  };
}

function cfg(out: string) {
  return loadTrainConfig(undefined, [
    "--model_name_or_path",
    "m",
    "--dataset",
    "d",
    "--output_dir",
    join(root, out),
    "--method",
    "grpo",
    "--reward_funcs",
    "rules",
    "--logging_steps",
    "2",
    "--save_steps",
    "2",
    "--learning_rate",
    "0.1",
    "--lr_scheduler_type",
    "constant",
    "--warmup_ratio",
    "0",
  ]);
}

describe("the online loop", () => {
  it("writes trainer_log.jsonl rows in the trainer's layout, completions of logging steps, checkpoints", async () => {
    const a = fake();
    const r = await runOnlineLoop({
      cfg: cfg("a"),
      algorithm: a,
      params: new Map([["w", a.p]]),
      saveModel: () => {},
      loadModel: () => {},
      clock: (() => {
        let t = 0;
        return () => (t += 1);
      })(),
    });
    expect(r.finished).toBe(true);
    const log = readJournal<Record<string, unknown>>(join(root, "a", "trainer_log.jsonl"));
    expect(log.map((x) => x.step)).toEqual([2, 4, 6]);
    expect(Object.keys(log[0]!)).toEqual([
      "step",
      "total_steps",
      "epoch",
      "loss",
      "grad_norm",
      "learning_rate",
      "reward",
      "lr",
      "episode",
      "num_tokens",
      "tokens_per_second",
      "elapsed_time",
      "remaining_time",
    ]);
    expect(log[0]).toMatchObject({ loss: 0.5, reward: 0.05, episode: 4, learning_rate: 0.1, num_tokens: 10 });
    const comps = readJournal<Record<string, unknown>>(join(root, "a", "completions.jsonl"));
    expect(comps.map((c) => c.step)).toEqual([2, 4, 6]);
    expect(existsSync(join(root, "a", "checkpoint-4", "trainer_state.json"))).toBe(true);
    expect(formatTiming(newTiming())).toMatch(/^generation 0\.0 s/);
  });

  it("a non-finite loss stops the run and names the last good checkpoint", async () => {
    const a = fake(5);
    await expect(
      runOnlineLoop({
        cfg: cfg("nan"),
        algorithm: a,
        params: new Map([["w", a.p]]),
        saveModel: () => {},
        loadModel: () => {},
      }),
    ).rejects.toThrow(TrainingDivergedError);
    await expect(
      runOnlineLoop({
        cfg: cfg("nan2"),
        algorithm: fake(5),
        params: new Map([["w", a.p]]),
        saveModel: () => {},
        loadModel: () => {},
      }),
    ).rejects.toThrow(/non-finite loss at step 5.*checkpoint-4/);
  });
});
