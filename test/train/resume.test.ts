import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { readJournal } from "../../src/data/jsonl.js";
import { AdamWWorkerPool } from "../../src/train/adamw-parallel.js";
import { checkpointProblem, findResumePoint } from "../../src/train/checkpoint.js";
import { resolveConfig, type TrainConfig } from "../../src/train/config.js";
import { LrSchedule } from "../../src/train/schedule.js";
import { runTraining } from "../../src/train/trainer.js";
import { FakeModel, makeRows } from "./fake-model.js";

/** --resume: damaged checkpoints, a grown step budget, changed keys, and what an output_dir may hold. */
const root = mkdtempSync(join(tmpdir(), "iopo-resume-"));
let runId = 0;
function config(over: Record<string, unknown> = {}): TrainConfig {
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
        per_device_train_batch_size: 2,
        gradient_accumulation_steps: 2,
        val_size: 0,
        logging_steps: 1,
        save_steps: 3,
        max_steps: 12,
        beta: 0.5,
        ...over,
      },
    },
  ]);
}
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
const rows = makeRows(24, 11);
const log = (cfg: TrainConfig) => numeric(readJournal(join(cfg.output_dir, "trainer_log.jsonl")));

async function train(cfg: TrainConfig, extra: Partial<Parameters<typeof runTraining>[0]> = {}) {
  const model = new FakeModel();
  const status: string[] = [];
  const result = await runTraining({
    config: cfg,
    model,
    train: rows,
    clock: fakeClock(),
    onStatus: (m) => status.push(m),
    ...extra,
  });
  return { model, result, status };
}

/** Flip one byte in the middle of a file (its size and any header stay as they are). */
function flipByte(file: string): void {
  const b = readFileSync(file);
  b[b.length - 5] ^= 0xff;
  writeFileSync(file, b);
}

describe("checkpoint validation before resume", () => {
  const damage: [string, (ckpt: string) => void, RegExp][] = [
    [
      "truncated model.safetensors",
      (c) => truncateSync(join(c, "model.safetensors"), 30),
      /checkpoint-9\/model\.safetensors: invalid safetensors file/,
    ],
    [
      "flipped bytes in optimizer.safetensors",
      (c) => flipByte(join(c, "optimizer.safetensors")),
      /checkpoint-9\/optimizer\.safetensors: SHA-256 differs from checkpoint\.sha256/,
    ],
    [
      "a corrupt trainer_state.json",
      (c) => writeFileSync(join(c, "trainer_state.json"), '{"global_step": 9, "log_h'),
      /checkpoint-9\/trainer_state\.json: not valid JSON/,
    ],
  ];
  it.each(damage)(
    "%s: named, passed over, and the run resumed from the newest intact one equals an uninterrupted run",
    async (_n, hurt, named) => {
      const full = config();
      const reference = await train(full);
      const cfg = config();
      const killed = await train(cfg, { stopAfter: 10 }); // checkpoints 3, 6, 9
      expect(killed.result.finished).toBe(false);
      hurt(join(cfg.output_dir, "checkpoint-9"));
      expect(checkpointProblem(join(cfg.output_dir, "checkpoint-9"))).toMatch(named);
      const resumed = await train(cfg, { resume: true });
      expect(resumed.status.join("\n")).toMatch(named);
      expect(resumed.status.join("\n")).toContain(`falling back to ${join(cfg.output_dir, "checkpoint-6")}`);
      expect(resumed.status.join("\n")).toContain(`resuming from ${join(cfg.output_dir, "checkpoint-6")} (step 6)`);
      expect(log(cfg)).toEqual(log(full));
      for (const [k, p] of reference.model.params) expect([...resumed.model.params.get(k)!]).toEqual([...p]);
      // the damaged checkpoint was replaced by a good one when training reached its step again
      expect(checkpointProblem(join(cfg.output_dir, "checkpoint-9"))).toBeUndefined();
    },
  );

  it("with no intact checkpoint left, resume fails naming every damaged file", async () => {
    const cfg = config({ max_steps: 6 });
    await train(cfg);
    flipByte(join(cfg.output_dir, "checkpoint-6", "model.safetensors"));
    truncateSync(join(cfg.output_dir, "checkpoint-3", "optimizer.safetensors"), 100);
    const err = await train(cfg, { resume: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(
      /no intact checkpoint to resume from: checkpoint-6\/model\.safetensors: SHA-256 differs/,
    );
    expect(err.message).toMatch(/checkpoint-3\/optimizer\.safetensors: invalid safetensors file/);
  });

  it("the checksum file is sha256sum's format over every file of the checkpoint", async () => {
    const cfg = config({ max_steps: 3 });
    await train(cfg);
    const dir = join(cfg.output_dir, "checkpoint-3");
    const lines = readFileSync(join(dir, "checkpoint.sha256"), "utf8").trim().split("\n");
    expect(lines.map((l) => l.slice(66))).toEqual(["model.safetensors", "optimizer.safetensors", "trainer_state.json"]);
    const { createHash } = await import("node:crypto");
    for (const l of lines)
      expect(l.slice(0, 64)).toBe(
        createHash("sha256")
          .update(readFileSync(join(dir, l.slice(66))))
          .digest("hex"),
      );
    expect(findResumePoint(cfg.output_dir)?.dir).toBe(dir);
  });
});

describe("--resume with a changed config", () => {
  it("a larger max_steps continues the run: with a constant schedule it equals an uninterrupted run of the new length", async () => {
    const constant = { lr_scheduler_type: "constant", warmup_ratio: 0 };
    const long = config({ ...constant, max_steps: 12 });
    const reference = await train(long);
    const cfg = config({ ...constant, max_steps: 6 });
    expect((await train(cfg)).result.finished).toBe(true);
    const extended = await train({ ...cfg, max_steps: 12 }, { resume: true });
    expect(extended.status.join("\n")).toMatch(/step budget changed from 6 to 12: continuing from step 6/);
    expect(extended.result).toMatchObject({ startStep: 6, globalStep: 12, finished: true });
    const a = log(long);
    const b = log(cfg);
    // the first six rows were logged when the run's total was 6
    expect(b.slice(0, 6)).toEqual(a.slice(0, 6).map((r) => ({ ...r, total_steps: 6 })));
    expect(b.slice(6)).toEqual(a.slice(6));
    for (const [k, p] of reference.model.params) expect([...extended.model.params.get(k)!]).toEqual([...p]);
  });

  it("with a decaying schedule the learning rate after the resumed step is the schedule of the new total (HF)", async () => {
    const cfg = config({ lr_scheduler_type: "cosine", warmup_ratio: 0.1, max_steps: 6 });
    await train(cfg);
    await train({ ...cfg, num_train_epochs: 3, max_steps: -1 }, { resume: true }); // 6 steps per epoch -> 18
    const lr = log(cfg)
      .filter((r) => "loss" in r)
      .map((r) => r.learning_rate);
    const before = new LrSchedule("cosine", 0.05, 6, 0.1);
    const after = new LrSchedule("cosine", 0.05, 18, 0.1);
    expect(lr).toHaveLength(18);
    expect(lr.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5].map((s) => before.lrAt(s)));
    expect(lr.slice(6)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map((s) => after.lrAt(s)));
  });

  it("other differences are refused, each key named with its old and new value; cadence keys may change", async () => {
    const cfg = config({ max_steps: 6 });
    await train(cfg, { stopAfter: 4 });
    const err = await train({ ...cfg, learning_rate: 1, beta: 0.1 }, { resume: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain("checkpoint-3/trainer_state.json: was written with a different configuration");
    expect(err.message).toContain("beta: 0.5 in the checkpoint, 0.1 now; learning_rate: 0.05 in the checkpoint, 1 now");
    const ok = await train({ ...cfg, logging_steps: 2, save_steps: 5, divergence_patience: 9 }, { resume: true });
    expect(ok.result.finished).toBe(true);
  });

  it("a budget below the checkpoint's step is refused", async () => {
    const cfg = config({ max_steps: 6 });
    await train(cfg);
    const err = await train({ ...cfg, max_steps: 4 }, { resume: true }).catch((e) => e);
    expect(err.message).toMatch(/checkpoint is at step 6, past this config's 4 steps/);
  });
});

describe("what output_dir may hold", () => {
  it("a previous run is refused without --resume; overwrite_output_dir removes it (old checkpoints too) and keeps other files", async () => {
    const cfg = config({ max_steps: 6 });
    await train(cfg);
    writeFileSync(join(cfg.output_dir, "notes.txt"), "mine");
    const err = await train(cfg).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(
      /field "output_dir": holds a previous training run \(trainer_log\.jsonl, checkpoint-3, checkpoint-6, model\.safetensors\): give --resume/,
    );
    const again = await train({ ...cfg, overwrite_output_dir: true, max_steps: 2, save_steps: 2 });
    expect(again.status.join()).toMatch(/overwrite_output_dir: removed the previous run/);
    expect(readdirSync(cfg.output_dir).sort()).toEqual([
      "checkpoint-2",
      "model.safetensors",
      "notes.txt",
      "trainer_log.jsonl",
    ]);
    expect(log(cfg)).toHaveLength(2);
    const both = await train({ ...cfg, overwrite_output_dir: true }, { resume: true }).catch((e) => e);
    expect(both.message).toMatch(/give one of them/);
  });

  it("files that are no training output neither block a run nor are removed", async () => {
    const cfg = config({ max_steps: 2 });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(cfg.output_dir, { recursive: true });
    writeFileSync(join(cfg.output_dir, "run.yaml"), "x: 1\n");
    expect((await train(cfg)).result.finished).toBe(true);
    expect(existsSync(join(cfg.output_dir, "run.yaml"))).toBe(true);
  });
});

describe("the AdamW worker pool", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  it.runIf(availableParallelism() >= 2)("is closed when resume fails before the first step", async () => {
    const close = vi.spyOn(AdamWWorkerPool.prototype, "close");
    const cfg = config({ max_steps: 3 });
    await train(cfg);
    const err = await train({ ...cfg, learning_rate: 9 }, { resume: true, optimizerThreads: 2 }).catch((e) => e);
    expect(err.message).toMatch(/different configuration/);
    expect(close).toHaveBeenCalledTimes(1);
  });
});
