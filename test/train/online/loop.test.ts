import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../../src/data/jsonl.js";
import { loadTrainConfig } from "../../../src/train/config.js";
import { formatTiming, newTiming, type OnlineAlgorithm, runOnlineLoop } from "../../../src/train/online/loop.js";
import { readF32Tensors, writeF32Tensors } from "../../../src/train/tensor-file.js";
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

function cfg(out: string, ...more: string[]) {
  return loadTrainConfig(undefined, [
    ...more,
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

  /** The fake's parameter saved and restored as model.safetensors (a checkpoint needs model weights to be intact). */
  function io(p: Float32Array) {
    return {
      params: new Map([["w", p]]),
      saveModel: (dir: string) =>
        writeF32Tensors(join(dir, "model.safetensors"), new Map([["w", { shape: [1], data: p }]])),
      loadModel: (dir: string) => p.set(readF32Tensors(join(dir, "model.safetensors")).get("w")!.data),
    };
  }

  it("follows the offline trainer's output_dir rules: refused when used, --resume, overwrite_output_dir", async () => {
    const a = fake();
    await runOnlineLoop({ cfg: cfg("rules"), algorithm: a, ...io(a.p) });
    const b = fake();
    await expect(runOnlineLoop({ cfg: cfg("rules"), algorithm: b, ...io(b.p) })).rejects.toThrow(
      /holds a previous training run .*--resume.*--overwrite_output_dir/,
    );
    // overwrite_output_dir: the previous run's files go, completions.jsonl included, and the run starts at step 0
    writeFileSync(join(root, "rules", "notes.txt"), "kept");
    const status: string[] = [];
    const c = fake();
    const r = await runOnlineLoop({
      cfg: cfg("rules", "--overwrite_output_dir", "true"),
      algorithm: c,
      ...io(c.p),
      onStatus: (m) => status.push(m),
    });
    expect(r.startStep).toBe(0);
    expect(status.join("\n")).toMatch(/overwrite_output_dir: removed the previous run .*completions\.jsonl/);
    expect(readFileSync(join(root, "rules", "notes.txt"), "utf8")).toBe("kept");
    expect(readJournal(join(root, "rules", "completions.jsonl")).length).toBe(3);
  });

  it("--resume passes over a damaged checkpoint, names differing keys, and may extend the step budget", async () => {
    const a = fake();
    const stopped = await runOnlineLoop({ cfg: cfg("resume"), algorithm: a, ...io(a.p), stopAfter: 4 });
    expect(stopped).toMatchObject({
      finished: false,
      globalStep: 4,
      lastCheckpoint: join(root, "resume", "checkpoint-4"),
    });
    // flip a byte of checkpoint-4's weights: its checksum no longer matches, so checkpoint-2 is used
    const w = join(root, "resume", "checkpoint-4", "model.safetensors");
    const bytes = readFileSync(w);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(w, bytes);
    const status: string[] = [];
    const b = fake();
    const r = await runOnlineLoop({
      cfg: cfg("resume"),
      algorithm: b,
      ...io(b.p),
      resume: true,
      onStatus: (m) => status.push(m),
    });
    expect(status.join("\n")).toMatch(/checkpoint-4\/model\.safetensors: SHA-256 differs/);
    expect(status.join("\n")).toMatch(/resuming from .*checkpoint-2 \(step 2\)/);
    expect(r).toMatchObject({ startStep: 2, globalStep: 6, finished: true });
    // a trained-parameter key differs: refused, naming it
    const c = fake();
    await expect(
      runOnlineLoop({ cfg: cfg("resume", "--num_iterations", "2"), algorithm: c, ...io(c.p), resume: true }),
    ).rejects.toThrow(/different configuration \(num_iterations: 1 in the checkpoint, 2 now\)/);
    // a larger budget continues from step 6 to 8, saying so
    const d = Object.assign(fake(), { totalSteps: 8 });
    const more: string[] = [];
    const e = await runOnlineLoop({
      cfg: cfg("resume", "--max_steps", "8"),
      algorithm: d,
      ...io(d.p),
      resume: true,
      onStatus: (m) => more.push(m),
    });
    expect(e).toMatchObject({ startStep: 6, globalStep: 8, finished: true });
    expect(more.join("\n")).toMatch(/the step budget changed from 6 to 8: continuing from step 6/);
    const log = readJournal<Record<string, unknown>>(join(root, "resume", "trainer_log.jsonl"));
    expect(log.map((x) => x.step)).toEqual([2, 4, 6, 8]);
  });
});
