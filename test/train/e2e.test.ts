import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/data/jsonl.js";
import { readCheckpoint } from "../../src/model/checkpoint.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { loadTrainConfig } from "../../src/train/config.js";
import { trainFromConfig } from "../../src/train/run.js";

/** `iopo train` end to end on a tiny random Qwen2 model written by our own writer (no download). */
const root = mkdtempSync(join(tmpdir(), "iopo-e2e-"));
const modelDir = join(root, "tiny");
writeTinyModel(modelDir, { modelType: "qwen2", hiddenSize: 32, numLayers: 2, seed: 3, initStd: 0.1 });
// Short synthetic groups: y1 follows x1 (3 words), y2 follows x2 (5 words).
const data = join(root, "groups.jsonl");
const groups = Array.from({ length: 6 }, (_, i) => ({
  x1: { messages: [{ role: "user", content: `Write exactly 3 words about topic ${i}.` }] },
  y1: `red blue green ${i}`.split(" ").slice(0, 3).join(" "),
  x2: { messages: [{ role: "user", content: `Write exactly 5 words about topic ${i}.` }] },
  y2: `one two three four five`,
}));
writeFileSync(data, groups.map((g) => JSON.stringify(g)).join("\n"));

function cfg(out: string, over: string[]) {
  return loadTrainConfig(undefined, [
    "--model_name_or_path",
    modelDir,
    "--dataset",
    data,
    "--output_dir",
    join(root, out),
    "--val_size",
    "2",
    "--per_device_train_batch_size",
    "2",
    "--gradient_accumulation_steps",
    "1",
    "--learning_rate",
    "1e-2",
    "--lr_scheduler_type",
    "constant",
    "--warmup_ratio",
    "0",
    "--logging_steps",
    "1",
    "--max_steps",
    "6",
    "--save_steps",
    "3",
    "--beta",
    "0.5",
    ...over,
  ]);
}

describe("iopo train on a tiny Qwen2 model", () => {
  for (const [method, ft] of [
    ["iopo", "lora"],
    ["iopo", "full"],
    ["dpo", "lora"],
    ["sft", "full"],
  ] as const) {
    it(`${method} ${ft}: loss goes down; log, checkpoints and final model are written`, async () => {
      const c = cfg(`${method}-${ft}`, ["--method", method, "--finetuning_type", ft, "--lora_rank", "4"]);
      const r = await trainFromConfig(c);
      expect(r.finished).toBe(true);
      const log = readJournal<Record<string, number>>(join(c.output_dir, "trainer_log.jsonl"));
      const train = log.filter((x) => "loss" in x);
      expect(train).toHaveLength(6);
      expect(log.some((x) => "eval_loss" in x)).toBe(true);
      expect(train[5].loss).toBeLessThan(train[0].loss);
      if (method === "iopo") expect(train[0]).toHaveProperty(["rewards/margins_v2"]);
      // TRL's logits/* metrics (IOPO: the official _v1/_v2 pairs), for training and evaluation rows
      const evalRow = log.find((x) => "eval_loss" in x)!;
      const suffixes = method === "iopo" ? ["_v1", "_v2"] : method === "dpo" ? [""] : [];
      for (const s of suffixes)
        for (const k of [`logits/chosen${s}`, `logits/rejected${s}`]) {
          expect(Number.isFinite(train[0][k]), k).toBe(true);
          expect(Number.isFinite(evalRow[`eval_${k}`]), `eval_${k}`).toBe(true);
        }
      expect(existsSync(join(c.output_dir, "checkpoint-3", "trainer_state.json"))).toBe(true);
      if (ft === "lora") {
        expect(JSON.parse(readFileSync(join(c.output_dir, "adapter_config.json"), "utf8")).r).toBe(4);
        expect(readCheckpoint(join(c.output_dir, "merged")).weights.size).toBeGreaterThan(0);
      } else expect(readCheckpoint(c.output_dir).weights.size).toBeGreaterThan(0);
    });
  }
  describe("lora_dropout > 0 (PEFT's branch dropout, deterministic masks)", () => {
    const strip = (rows: Record<string, number>[]) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).filter(([k]) => !["elapsed_time", "remaining_time", "tokens_per_second"].includes(k)),
        ),
      );
    const log = (c: { output_dir: string }) => strip(readJournal(join(c.output_dir, "trainer_log.jsonl")));
    const drop = ["--method", "iopo", "--finetuning_type", "lora", "--lora_rank", "4", "--lora_dropout", "0.2"];

    it("resume == uninterrupted, and the masks change the trajectory", async () => {
      const a = cfg("drop-a", drop);
      await trainFromConfig(a);
      const b = cfg("drop-b", drop);
      expect((await trainFromConfig(b, { stopAfter: 3 })).finished).toBe(false);
      await trainFromConfig(b, { resume: true });
      const la = log(a);
      const lb = log(b);
      expect(lb).toHaveLength(la.length);
      la.forEach((row, i) => {
        for (const [k, v] of Object.entries(row)) expect(lb[i][k], `row ${i} ${k}`).toBe(v);
      });
      const none = cfg("drop-none", [...drop.slice(0, -1), "0"]);
      await trainFromConfig(none);
      const l0 = log(none).filter((r) => "loss" in r);
      const l1 = la.filter((r) => "loss" in r);
      // B starts at 0, so step 1's loss is ln 2 either way, but its gradient (through A dropout(x)) already differs
      expect(l1[0].grad_norm).not.toBe(l0[0].grad_norm);
      expect(Math.abs(l1[5].loss - l0[5].loss)).toBeGreaterThan(1e-6);
    });

    it("gradient accumulation 4 x 1 == 1 x 4 with dropout on (masks do not depend on the micro-batch split)", async () => {
      const split = (n: number, k: number) => [
        "--per_device_train_batch_size",
        String(n),
        "--gradient_accumulation_steps",
        String(k),
        "--max_steps",
        "4",
      ];
      const a = cfg("drop-acc-a", [...drop, ...split(4, 1)]);
      const b = cfg("drop-acc-b", [...drop, ...split(1, 4)]);
      await trainFromConfig(a);
      await trainFromConfig(b);
      const la = log(a).filter((r) => "loss" in r);
      const lb = log(b).filter((r) => "loss" in r);
      expect(lb).toHaveLength(4);
      la.forEach((row, i) => {
        expect(Math.abs(lb[i].loss - row.loss), `step ${i + 1}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(row.loss)));
      });
    });
  });

  it("resume == uninterrupted on the real engine", async () => {
    const a = cfg("resume-a", ["--method", "iopo"]);
    await trainFromConfig(a);
    const b = cfg("resume-b", ["--method", "iopo"]);
    const killed = await trainFromConfig(b, { stopAfter: 4 });
    expect(killed.finished).toBe(false);
    await trainFromConfig(b, { resume: true });
    const strip = (rows: Record<string, number>[]) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).filter(([k]) => !["elapsed_time", "remaining_time", "tokens_per_second"].includes(k)),
        ),
      );
    const la = strip(readJournal(join(a.output_dir, "trainer_log.jsonl")));
    const lb = strip(readJournal(join(b.output_dir, "trainer_log.jsonl")));
    expect(lb).toHaveLength(la.length);
    la.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) expect(lb[i][k]).toBeCloseTo(v, 6);
    });
  });
});
