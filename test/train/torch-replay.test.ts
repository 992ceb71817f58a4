import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/data/jsonl.js";
import { resolveConfig } from "../../src/train/config.js";
import { DataPlan } from "../../src/train/plan.js";
import { runTraining } from "../../src/train/trainer.js";
import { FakeModel, type FakeRow } from "./fake-model.js";

/**
 * End-to-end cross-check against PyTorch: the same analytic model trained by fixtures/make_torch_training.py with
 * losses re-written in Python from the papers / the official trainer, autograd gradients, clip_grad_norm_,
 * torch.optim.AdamW and transformers' schedule formulas. The test needs no Python.
 */
interface Run {
  config: Record<string, number | string>;
  losses: number[];
  grad_norms: number[];
  lrs: number[];
  final: Record<string, number[]>;
}
const fx = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "torch-training.json"), "utf8")) as {
  plan: { plan: Record<string, number>; rows: FakeRow[]; steps: number[][][]; init: Record<string, number[]> };
  runs: Run[];
};
const root = mkdtempSync(join(tmpdir(), "iopo-torch-replay-"));
const P = fx.plan.plan;

describe("training runs replayed in PyTorch", () => {
  it("our data plan gives the order the replay used", () => {
    const plan = new DataPlan(P.rows, P.batch, P.accum, P.epochs, -1, P.seed);
    expect(Array.from({ length: plan.totalSteps }, (_, s) => plan.microBatches(s))).toEqual(fx.plan.steps);
    const model = new FakeModel();
    for (const [k, v] of model.params) expect([...v]).toEqual(fx.plan.init[k]);
  });
  fx.runs.forEach((run, ri) => {
    const c = run.config;
    it(`${c.method} ${c.loss_type} (beta ${c.beta}, eps ${c.label_smoothing}, ftx ${c.pref_ftx}, ${c.sched}, clip ${c.max_grad_norm})`, async () => {
      const cfg = resolveConfig([
        {
          source: "test",
          lines: {},
          values: {
            model_name_or_path: "fake",
            dataset: "fake",
            output_dir: join(root, `run-${ri}`),
            method: c.method,
            // the fixtures compute the ablations in their grouped form (one example per group)
            ablation_pairs: "grouped",
            beta: c.beta,
            label_smoothing: c.label_smoothing,
            pref_ftx: c.pref_ftx,
            loss_type: c.loss_type,
            simpo_gamma: c.simpo_gamma ?? 0.5,
            learning_rate: c.lr,
            weight_decay: c.wd,
            lr_scheduler_type: c.sched,
            warmup_ratio: c.warmup_ratio,
            max_grad_norm: c.max_grad_norm,
            per_device_train_batch_size: P.batch,
            gradient_accumulation_steps: P.accum,
            num_train_epochs: P.epochs,
            seed: P.seed,
            logging_steps: 1,
          },
        },
      ]);
      const model = new FakeModel();
      await runTraining({ config: cfg, model, train: fx.plan.rows });
      const log = readJournal<Record<string, number>>(join(cfg.output_dir, "trainer_log.jsonl"));
      expect(log).toHaveLength(run.losses.length);
      log.forEach((row, i) => {
        expect(row.loss).toBeCloseTo(run.losses[i], 5);
        expect(row.grad_norm).toBeCloseTo(run.grad_norms[i], 5);
        expect(row.learning_rate).toBeCloseTo(run.lrs[i], 12);
      });
      for (const [k, v] of model.params)
        v.forEach((x, i) => {
          expect(x).toBeCloseTo(run.final[k][i], 5);
        });
    });
  });
});
