import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/data/jsonl.js";
import { latestCheckpoint } from "../../src/train/checkpoint.js";
import { resolveConfig, type TrainConfig } from "../../src/train/config.js";
import type { Method } from "../../src/train/losses/index.js";
import { DataPlan } from "../../src/train/plan.js";
import { trainValSplit } from "../../src/train/rng.js";
import { runTraining, TrainingDivergedError } from "../../src/train/trainer.js";
import { inferSeqlen, truncateExample } from "../../src/train/truncation.js";
import { FakeModel, type FakeRow, makeRows } from "./fake-model.js";

const root = mkdtempSync(join(tmpdir(), "iopo-trainer-"));
let runId = 0;
function config(over: Record<string, unknown>): TrainConfig {
  return resolveConfig([
    {
      source: "test",
      lines: {},
      values: {
        model_name_or_path: "fake",
        dataset: "fake",
        output_dir: join(root, `run-${runId++}`),
        method: "iopo",
        learning_rate: 0.05,
        num_train_epochs: 2,
        logging_steps: 1,
        save_steps: 1000,
        beta: 0.5,
        ...over,
      },
    },
  ]);
}
// deterministic clock so timing fields are reproducible too
const fakeClock = () => {
  let t = 0;
  return () => (t += 0.5);
};
const numeric = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).filter(([k]) => !["elapsed_time", "remaining_time", "tokens_per_second"].includes(k)),
    ),
  );

describe("data plan and split", () => {
  it("each epoch visits every example once, in a seed-determined order", () => {
    const plan = new DataPlan(10, 3, 2, 2, -1, 5);
    expect(plan.batchesPerEpoch).toBe(4);
    expect(plan.updatesPerEpoch).toBe(2);
    expect(plan.totalSteps).toBe(4);
    const epoch0 = [0, 1].flatMap((s) => plan.microBatches(s).flat());
    expect([...epoch0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plan.microBatches(1)).toHaveLength(2);
    const epoch1 = [2, 3].flatMap((s) => plan.microBatches(s).flat());
    expect(epoch1).not.toEqual(epoch0);
    expect(new DataPlan(10, 3, 2, 2, -1, 5).microBatches(3)).toEqual(plan.microBatches(3));
    expect(new DataPlan(10, 3, 2, 2, -1, 6).microBatches(0)).not.toEqual(plan.microBatches(0));
    expect(new DataPlan(10, 3, 2, 0.5, -1, 5).totalSteps).toBe(1);
    expect(new DataPlan(10, 3, 2, 2, 7, 5).totalSteps).toBe(7);
  });
  it("val_size as a fraction or a count, disjoint from train", () => {
    const a = trainValSplit(20, 0.1, 1);
    expect(a.val).toHaveLength(2);
    expect(a.train).toHaveLength(18);
    expect(new Set([...a.train, ...a.val]).size).toBe(20);
    expect(trainValSplit(20, 5, 1).val).toHaveLength(5);
    expect(trainValSplit(20, 0, 1).val).toHaveLength(0);
    expect(() => trainValSplit(4, 4, 1)).toThrow(/no training examples/);
  });
});

describe("LLaMA-Factory infer_seqlen truncation", () => {
  it("hand-computed cases of the three branches", () => {
    expect(inferSeqlen(100, 10, 50)).toEqual([40, 10]); // short response: cut the prompt
    expect(inferSeqlen(10, 100, 50)).toEqual([10, 40]); // short prompt: cut the response
    expect(inferSeqlen(60, 40, 50)).toEqual([30, 20]); // both: in proportion, floor(50 * 40/100) = 20
    expect(inferSeqlen(5, 5, 50)).toEqual([5, 5]);
  });
  it("all sequences of a group share one budget from the longest prompt and response", () => {
    const t = truncateExample([[...Array(60).keys()], [...Array(30).keys()]], [[...Array(40).keys()], [1, 2]], 50);
    expect(t.promptLen).toBe(30);
    expect(t.responseLen).toBe(20);
    expect(t.prompts.map((p) => p.length)).toEqual([30, 30]);
    expect(t.responses.map((r) => r.length)).toEqual([20, 2]);
    expect(t.prompts[0][29]).toBe(29); // prompts keep their beginning
  });
});

async function run(
  method: Method,
  over: Record<string, unknown>,
  rows: FakeRow[],
  extra: Partial<Parameters<typeof runTraining<FakeRow>>[0]> = {},
) {
  const cfg = config({ method, ...over });
  const model = extra.model ?? new FakeModel();
  const result = await runTraining({ config: cfg, model, train: rows, clock: fakeClock(), ...extra });
  const log = readJournal<Record<string, unknown>>(join(cfg.output_dir, "trainer_log.jsonl"));
  return { cfg, model, result, log };
}

describe("gradient accumulation 8 x 1 == 1 x 8", () => {
  const rows = makeRows(32, 3);
  for (const method of ["iopo", "dpo", "sft", "iopo_star", "orpo"] as Method[]) {
    it(`${method}: identical loss trajectory and parameters`, async () => {
      const a = await run(method, { per_device_train_batch_size: 1, gradient_accumulation_steps: 8 }, rows);
      const b = await run(method, { per_device_train_batch_size: 8, gradient_accumulation_steps: 1 }, rows);
      expect(a.result.totalSteps).toBe(8);
      const la = a.log.filter((r) => "loss" in r);
      const lb = b.log.filter((r) => "loss" in r);
      expect(la).toHaveLength(8);
      la.forEach((r, i) => {
        expect(r.loss as number).toBeCloseTo(lb[i].loss as number, 5);
        expect(r.grad_norm as number).toBeCloseTo(lb[i].grad_norm as number, 5);
      });
      // the run actually learns something (the trajectory is not flat)
      expect(la[7].loss).not.toBeCloseTo(la[0].loss as number, 3);
      for (const [k, p] of a.model.params) {
        const q = b.model.params.get(k)!;
        for (let i = 0; i < p.length; i++) expect(p[i]).toBeCloseTo(q[i], 5);
      }
    });
  }
});

describe("AdamW on worker threads", () => {
  it("gives the identical run (log and parameters) as the main-thread update", async () => {
    const rows = makeRows(16, 4);
    const a = await run("iopo", { per_device_train_batch_size: 4, gradient_accumulation_steps: 1 }, rows, {
      optimizerThreads: 1,
    });
    const b = await run("iopo", { per_device_train_batch_size: 4, gradient_accumulation_steps: 1 }, rows, {
      optimizerThreads: 2,
    });
    expect(numeric(b.log)).toEqual(numeric(a.log));
    for (const [k, p] of a.model.params) expect([...b.model.params.get(k)!]).toEqual([...p]);
  });
});

describe("checkpoints and resume", () => {
  const rows = makeRows(24, 11);
  it("resume == uninterrupted (log rows and parameters)", async () => {
    const over = {
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 2,
      save_steps: 3,
      val_size: 0,
      max_grad_norm: 0.5,
    };
    const full = await run("iopo", over, rows);
    const cfg = config({ method: "iopo", ...over });
    const killed = await runTraining({
      config: cfg,
      model: new FakeModel(),
      train: rows,
      clock: fakeClock(),
      stopAfter: 7,
    });
    expect(killed.finished).toBe(false);
    expect(latestCheckpoint(cfg.output_dir)).toMatch(/checkpoint-6$/);
    const model = new FakeModel();
    const resumed = await runTraining({ config: cfg, model, train: rows, clock: fakeClock(), resume: true });
    expect(resumed.finished).toBe(true);
    const log = readJournal<Record<string, unknown>>(join(cfg.output_dir, "trainer_log.jsonl"));
    expect(numeric(log)).toEqual(numeric(full.log));
    for (const [k, p] of full.model.params) expect([...model.params.get(k)!]).toEqual([...p]);
    expect(readdirSync(cfg.output_dir).filter((d) => d.startsWith("checkpoint-"))).toEqual(
      expect.arrayContaining(["checkpoint-3", "checkpoint-6", "checkpoint-9", "checkpoint-12"]),
    );
    expect(existsSync(join(cfg.output_dir, "model.safetensors"))).toBe(true);
  });
  it("checkpoint-N is the model folder itself, with HF TrainerState fields beside it", async () => {
    const over = {
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 2,
      save_steps: 3,
      val_size: 0,
      lr_scheduler_type: "constant", // so that a 3-step run replays the first 3 steps
      warmup_ratio: 0,
    };
    const { cfg, log } = await run("dpo", over, rows);
    const ckpt = join(cfg.output_dir, "checkpoint-3");
    expect(readdirSync(ckpt).sort()).toEqual([
      "checkpoint.sha256",
      "model.safetensors",
      "optimizer.safetensors",
      "trainer_state.json",
    ]);
    // the model files at the root are the parameters after step 3: a fresh model loaded from them resumes them
    const m = new FakeModel(99);
    m.load(ckpt);
    const replay = await run("dpo", { ...over, max_steps: 3 }, rows);
    for (const [k, p] of replay.model.params) expect([...m.params.get(k)!]).toEqual([...p]);
    const state = JSON.parse(readFileSync(join(ckpt, "trainer_state.json"), "utf8"));
    expect(state).toMatchObject({
      global_step: 3,
      epoch: 0.5, // 24 rows / (2 x 2) = 6 steps per epoch
      max_steps: 12,
      num_train_epochs: 2,
      logging_steps: 1,
      save_steps: 3,
      train_batch_size: 2,
      best_metric: null,
      is_world_process_zero: true,
      data_cursor: { epoch: 0, step_in_epoch: 3 },
      rng: { seed: cfg.seed },
      optimizer: { step: 3 },
      log_rows: 3,
    });
    expect(numeric(state.log_history)).toEqual(numeric(log.slice(0, 3)));
    expect(state.num_input_tokens_seen).toBeGreaterThan(0);
  });
  it("resume reads checkpoints of the old layout (model files in checkpoint-N/model/)", async () => {
    const over = { per_device_train_batch_size: 2, gradient_accumulation_steps: 2, save_steps: 3, val_size: 0 };
    const full = await run("iopo", over, rows);
    const cfg = config({ method: "iopo", ...over });
    await runTraining({ config: cfg, model: new FakeModel(), train: rows, clock: fakeClock(), stopAfter: 4 });
    const ckpt = join(cfg.output_dir, "checkpoint-3");
    mkdirSync(join(ckpt, "model"));
    renameSync(join(ckpt, "model.safetensors"), join(ckpt, "model", "model.safetensors"));
    rmSync(join(ckpt, "checkpoint.sha256")); // checkpoints of that layout had no checksum file
    const model = new FakeModel();
    await runTraining({ config: cfg, model, train: rows, clock: fakeClock(), resume: true });
    const log = readJournal<Record<string, unknown>>(join(cfg.output_dir, "trainer_log.jsonl"));
    expect(numeric(log)).toEqual(numeric(full.log));
    for (const [k, p] of full.model.params) expect([...model.params.get(k)!]).toEqual([...p]);
  });
  it("a half-written checkpoint folder is never picked for resume", () => {
    const dir = join(root, "partial");
    mkdirSync(join(dir, "checkpoint-5"), { recursive: true });
    mkdirSync(join(dir, ".checkpoint-9.tmp-1"), { recursive: true });
    expect(latestCheckpoint(dir)).toBeUndefined();
  });
  it("a NaN loss stops the run and keeps the last good checkpoint", async () => {
    const model = new FakeModel();
    model.nanFromCall = 5; // batch 1 x 1: the 5th step
    const cfg = config({
      method: "dpo",
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 1,
      save_steps: 2,
    });
    await expect(runTraining({ config: cfg, model, train: rows, clock: fakeClock() })).rejects.toThrow(
      TrainingDivergedError,
    );
    const m = new FakeModel();
    m.nanFromCall = 5;
    await expect(
      runTraining({
        config: config({ ...cfg, output_dir: join(root, "nan2") }),
        model: m,
        train: rows,
        clock: fakeClock(),
      }),
    ).rejects.toThrow(/non-finite loss at step 5.*checkpoint-4/);
    expect(latestCheckpoint(cfg.output_dir)).toMatch(/checkpoint-4$/);
  });
  it("resume refuses a checkpoint written with another config", async () => {
    const cfg = config({
      method: "iopo",
      save_steps: 2,
      max_steps: 2,
      per_device_train_batch_size: 4,
      gradient_accumulation_steps: 1,
    });
    await runTraining({ config: cfg, model: new FakeModel(), train: rows, clock: fakeClock() });
    const other = { ...cfg, learning_rate: 1 };
    await expect(runTraining({ config: other, model: new FakeModel(), train: rows, resume: true })).rejects.toThrow(
      /different configuration/,
    );
  });
});

describe("trainer_log.jsonl", () => {
  it("rows carry TRL/IOPO metric names, schedule and timing; eval rows use the eval_ prefix", async () => {
    const rows = makeRows(20, 5);
    const cfg = config({
      method: "iopo",
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 2,
      logging_steps: 2,
      num_train_epochs: 1,
      eval_steps: 2,
      lr_scheduler_type: "cosine",
      warmup_ratio: 0.2,
    });
    const split = trainValSplit(rows.length, 0.2, cfg.seed);
    const result = await runTraining({
      config: cfg,
      model: new FakeModel(),
      train: split.train.map((i) => rows[i]),
      eval: split.val.map((i) => rows[i]),
      clock: fakeClock(),
    });
    expect(result.totalSteps).toBe(4);
    const log = readJournal<Record<string, number>>(join(cfg.output_dir, "trainer_log.jsonl"));
    const train = log.filter((r) => "loss" in r);
    expect(train.map((r) => r.step)).toEqual([2, 4]);
    for (const key of [
      "loss",
      "grad_norm",
      "learning_rate",
      "epoch",
      "total_steps",
      "rewards/chosen_v1",
      "rewards/rejected_v2",
      "rewards/accuracies_v1",
      "rewards/margins_v2",
      "logps/chosen_v1",
      "logps/ref_rejected_v1",
      "tokens_per_second",
      "elapsed_time",
      "remaining_time",
    ])
      expect(train[0]).toHaveProperty([key]);
    expect(train[1].epoch).toBe(1);
    expect(train[1].remaining_time).toBe(0);
    // lr of step index 1 (warmup ceil(0.2*4) = 1 step, then cosine over 3): 0.5(1+cos(pi*0/3)) * 0.05 at step 1
    expect(train[0].learning_rate).toBeCloseTo(0.05, 12);
    const evals = log.filter((r) => "eval_loss" in r);
    expect(evals.map((r) => r.step)).toEqual([2, 4]);
    expect(evals[0]).toHaveProperty(["eval_rewards/margins_v1"]);
  });
});

describe("progress line", () => {
  it("summarises a log row", async () => {
    const { formatLogRow } = await import("../../src/train/progress.js");
    expect(
      formatLogRow({
        step: 3,
        total_steps: 10,
        loss: 0.5,
        "rewards/accuracies_v1": 0.75,
        "rewards/margins_v1": 0.1,
        learning_rate: 5e-6,
        tokens_per_second: 123.4,
        remaining_time: 42.2,
      }),
    ).toBe("step 3/10  loss 0.5000  acc 0.750  margin 0.1000  lr 5.00e-6  123 tok/s  eta 42s");
  });
  it("shows both IOPO halves (_v1 and _v2), so the x2 side going the wrong way is seen", async () => {
    const { formatLogRow } = await import("../../src/train/progress.js");
    expect(
      formatLogRow({
        step: 1,
        total_steps: 2,
        loss: 0.69,
        "rewards/accuracies_v1": 1,
        "rewards/accuracies_v2": 0,
        "rewards/margins_v1": 0.25,
        "rewards/margins_v2": -0.125,
      }),
    ).toBe("step 1/2  loss 0.6900  acc v1 1.000 v2 0.000  margin v1 0.2500 v2 -0.1250");
  });
});
