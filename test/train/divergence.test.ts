import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/train/config.js";
import { DivergenceMonitor } from "../../src/train/divergence.js";
import { rng } from "../../src/train/rng.js";
import { runTraining, TrainingDivergedError } from "../../src/train/trainer.js";
import { FakeModel, makeRows } from "./fake-model.js";

const opts = { factor: 10, window: 20, patience: 3 };

function feed(m: DivergenceMonitor, losses: number[], grads: number[] = []) {
  return losses.map((l, i) => m.observe(i + 1, l, grads[i] ?? 1));
}

describe("divergence watch", () => {
  it("a spike is warned about once per streak; `patience` bad steps in a row are sustained", () => {
    const m = new DivergenceMonitor(opts);
    const obs = feed(m, [2, 1.9, 1.8, 9.7e6, 7e6, 5e6]);
    expect(obs.slice(0, 3).every((o) => !o.bad)).toBe(true);
    expect(obs[3].warning).toMatch(/^step 4: loss 9\.700e\+6 is .* x the median 1\.9 of the last 3 good steps/);
    expect(obs[4].warning).toBeUndefined();
    expect(obs[4].sustained).toBeUndefined();
    expect(obs[5].sustained).toMatch(/3 steps in a row .* the first at step 4: loss 9\.700e\+6/);
    // bad steps never entered the baseline
    expect(m.median()).toBe(1.9);
  });

  it("a zero gradient norm is a collapse, counted like a spike (the lr 1e3 trajectory of a tiny model)", () => {
    const m = new DivergenceMonitor(opts);
    // measured with `iopo train --learning_rate 1000` on `iopo tiny-model` (vocab 384): loss, grad_norm per step
    const obs = feed(m, [5.9545, 9734883, 7044716, 5.9506, 5.9506], [1.899, 9548.8, 4660.2, 0, 0]);
    expect(obs[1].warning).toMatch(/step 2: loss/);
    expect(obs[3].bad).toMatch(/gradient norm 0 with loss 5\.951: the model has collapsed/);
    expect(obs[3].sustained).toMatch(/the first at step 2/);
  });

  it("a streak that ends resets the count: transient spikes never stop a run", () => {
    const m = new DivergenceMonitor(opts);
    const obs = feed(m, [1, 1, 30, 30, 1, 30, 30, 1, 30]);
    expect(obs.filter((o) => o.bad)).toHaveLength(5);
    expect(obs.some((o) => o.sustained)).toBe(false);
    expect(obs.filter((o) => o.warning)).toHaveLength(3);
  });

  it("noisy but healthy trajectories never count as bad (SFT from ln(vocab), preference losses near 0)", () => {
    const r = rng(5);
    const sft = Array.from({ length: 300 }, (_, i) => 6 * Math.exp(-i / 60) + 0.3 + r() * 0.8);
    const dpo = Array.from({ length: 300 }, (_, i) => 0.69 * Math.exp(-i / 40) * (0.2 + 3 * r()) + 1e-4);
    for (const losses of [sft, dpo]) {
      const m = new DivergenceMonitor({ factor: 10, window: 20, patience: 5 });
      expect(feed(m, losses).filter((o) => o.bad)).toEqual([]);
    }
  });

  it("its state (the recent good losses) round-trips, so a resumed run watches as an uninterrupted one", () => {
    const a = new DivergenceMonitor(opts);
    feed(a, [3, 2, 1]);
    const b = new DivergenceMonitor(opts, JSON.parse(JSON.stringify(a.state())));
    expect(b.observe(4, 40, 1)).toEqual(a.observe(4, 40, 1));
  });
});

describe("divergence in the training loop", () => {
  const root = mkdtempSync(join(tmpdir(), "iopo-diverge-"));
  const config = (over: Record<string, unknown>) =>
    resolveConfig([
      {
        source: "test",
        lines: {},
        values: {
          model_name_or_path: "fake",
          dataset: "fake",
          output_dir: join(root, String(Math.random()).slice(2)),
          method: "sft",
          per_device_train_batch_size: 1,
          gradient_accumulation_steps: 1,
          lr_scheduler_type: "constant",
          warmup_ratio: 0,
          max_steps: 12,
          save_steps: 2,
          ...over,
        },
      },
    ]);

  /** A model whose loss jumps 1000-fold from the 5th step on (as a diverging run's). */
  class Spiking extends FakeModel {
    override trainStep(...args: Parameters<FakeModel["trainStep"]>) {
      const r = super.trainStep(...args);
      return this.calls >= 5 ? { ...r, loss: r.loss * 1000 + 100 } : r;
    }
  }

  it("stops on a sustained divergence, keeps the last checkpoint from before it and postpones saves during it", async () => {
    const cfg = config({ divergence_patience: 4 });
    const status: string[] = [];
    const err = await runTraining({
      config: cfg,
      model: new Spiking(),
      train: makeRows(12, 1),
      onStatus: (m) => status.push(m),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err.message).toMatch(
      /^the loss diverged at step 8: 4 steps in a row .* the first at step 5: .*\. Stopped without saving/,
    );
    expect(err.message).toContain(`Last good checkpoint: ${join(cfg.output_dir, "checkpoint-4")}`);
    expect(status.filter((s) => s.startsWith("warning: step 5:"))).toHaveLength(1);
    expect(status).toContain("step 6: checkpoint postponed while the loss diverges");
    const { readdirSync } = await import("node:fs");
    expect(
      readdirSync(cfg.output_dir)
        .filter((d) => d.startsWith("checkpoint-"))
        .sort(),
    ).toEqual(["checkpoint-2", "checkpoint-4"]);
  });

  it("with stop_on_divergence false it warns and trains on", async () => {
    const cfg = config({ divergence_patience: 4, stop_on_divergence: false });
    const status: string[] = [];
    const r = await runTraining({
      config: cfg,
      model: new Spiking(),
      train: makeRows(12, 1),
      onStatus: (m) => status.push(m),
    });
    expect(r.finished).toBe(true);
    expect(status.join("\n")).toMatch(/warning: the loss diverged: .*stop_on_divergence is false: training on/);
  });
});
