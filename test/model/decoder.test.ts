import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../src/engine/session.js";
import type { ModelConfig } from "../../src/model/config.js";
import { createLogprobRunner, createTrainingStep } from "../../src/model/decoder.js";
import { isLoraParameter, loraTransform, mergeLora } from "../../src/model/decoder-lora.js";
import type { Weights } from "../../src/model/weights.js";
import { trainingLoss } from "../../src/train/graph-losses.js";
import { defaultLossOptions } from "../../src/train/losses/index.js";
import { relErr, rng } from "../engine/harness.js";
import {
  randomIds,
  randomWeights,
  referenceLogits,
  referenceLogprob,
  sftInputs,
  tinyConfig,
  toFloat64,
} from "./decoder-fixtures.js";

afterAll(releaseSessions);

const sftLoss = trainingLoss("sft", defaultLossOptions);

const MODELS: { name: string; cfg: ModelConfig }[] = [
  { name: "llama, untied head", cfg: tinyConfig("llama", false) },
  { name: "qwen2 (q/k/v bias), tied head", cfg: tinyConfig("qwen2", true) },
  {
    name: "llama with attention/mlp bias, tied",
    cfg: tinyConfig("llama", true, { attention_bias: true, mlp_bias: true }),
  },
];

/** A batch with shared prompts (IOPO-like), a lone sequence, and different lengths. */
function sampleBatch(cfg: ModelConfig, seed: number) {
  const r = rng(seed);
  const V = cfg.vocab_size;
  const x1 = randomIds(r, 5, V);
  const x2 = randomIds(r, 3, V);
  const y1 = randomIds(r, 4, V);
  const y2 = randomIds(r, 2, V);
  const cat = (a: Int32Array, b: Int32Array) => Int32Array.from([...a, ...b]);
  const ids = [cat(x1, y1), cat(x1, y2), cat(x2, y2), cat(x2, y1), randomIds(r, 7, V)];
  const responseStart = [5, 5, 3, 3, 2];
  return { ids, responseStart };
}

/** Per sequence: the raw logits summed over its response (predicting) positions and the vocabulary, float64. */
function referenceLogitSums(cfg: ModelConfig, w: Weights, batch: { ids: Int32Array[]; responseStart: number[] }) {
  const w64 = toFloat64(w);
  return batch.ids.map((ids, i) => {
    const logits = referenceLogits(cfg, w64, ids);
    let s = 0;
    for (let t = Math.max(batch.responseStart[i]!, 1); t < ids.length; t++) for (const v of logits[t - 1]!) s += v;
    return s;
  });
}

function referenceSums(cfg: ModelConfig, w: Weights, batch: { ids: Int32Array[]; responseStart: number[] }) {
  const w64 = toFloat64(w);
  return batch.ids.map((ids, i) => referenceLogprob(cfg, w64, ids, batch.responseStart[i]!));
}

describe.each(MODELS)("decoder: $name", ({ cfg }) => {
  const weights = randomWeights(cfg, 11);

  it("sequence log-probs match the float64 reference, with and without prompt sharing", async () => {
    const batch = sampleBatch(cfg, 3);
    const ref = referenceSums(cfg, weights, batch);
    for (const sharePrompts of [true, false]) {
      const runner = await createLogprobRunner(cfg, { threads: 2, sharePrompts });
      const out = await runner.sequenceLogprobs(weights, batch);
      ref.forEach((r, i) => {
        expect(out.count[i]).toBe(r.count);
        expect(Math.abs(out.sum[i]! - r.sum)).toBeLessThan(1e-4 * Math.max(1, Math.abs(r.sum)));
      });
    }
  });

  it("per-sequence response logit sums (TRL logits/*) match the float64 reference in the runner and the step", async () => {
    const batch = sampleBatch(cfg, 4);
    const ref = referenceLogitSums(cfg, weights, batch);
    const close = (got: ArrayLike<number>) =>
      ref.forEach((r, i) => {
        expect(Math.abs(got[i]! - r), `sequence ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(r)));
      });
    for (const sharePrompts of [true, false]) {
      const runner = await createLogprobRunner(cfg, { threads: 2, sharePrompts });
      close((await runner.sequenceLogprobs(weights, batch)).logitsSum);
    }
    // The training step outputs the same statistic; it feeds no loss, so the gradients stay the log-prob ones.
    const step = await createTrainingStep(cfg, { trainable: () => true, loss: sftLoss, threads: 2 });
    close((await step.run(weights, { ...batch, extra: sftInputs(batch) })).logitsSum);
  });

  it("a sequence's log-prob does not depend on its batch companions (padding invariance)", async () => {
    const runner = await createLogprobRunner(cfg, { threads: 2, sharePrompts: false });
    const r = rng(5);
    const short = randomIds(r, 4, cfg.vocab_size);
    const alone = await runner.sequenceLogprobs(weights, { ids: [short], responseStart: [1] });
    const longer = [randomIds(r, 12, cfg.vocab_size), randomIds(r, 9, cfg.vocab_size)];
    const mixed = await runner.sequenceLogprobs(weights, {
      ids: [longer[0]!, short, longer[1]!],
      responseStart: [3, 1, 4],
    });
    expect(mixed.count[1]).toBe(alone.count[0]);
    expect(Math.abs(mixed.sum[1]! - alone.sum[0]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(alone.sum[0]!)));
  });

  it("gradients of the summed log-prob w.r.t. every parameter match central finite differences", async () => {
    const batch = sampleBatch(cfg, 7);
    // loss = -sum of all sequence log-probs / total tokens = sftLoss; checked against the float64 reference.
    const step = await createTrainingStep(cfg, { trainable: () => true, loss: sftLoss, threads: 2 });
    const res = await step.run(weights, { ...batch, extra: sftInputs(batch) });
    const refLoss = (w: Weights) => {
      const sums = referenceSums(cfg, w, batch);
      return -sums.reduce((s, x) => s + x.sum, 0) / sums.reduce((s, x) => s + x.count, 0);
    };
    expect(Math.abs(res.loss - refLoss(weights))).toBeLessThan(1e-4);
    expect(step.trainableNames.sort()).toEqual([...weights.keys()].sort());
    await checkGradients(weights, res.grads, refLoss, 3, 101);
    // The same graph with ORT's optimiser off (it can mis-rewrite backward graphs: docs/engine.md, gotcha 1).
    const plain = await createTrainingStep(cfg, {
      trainable: () => true,
      loss: sftLoss,
      threads: 2,
      optimization: "disabled",
    });
    const res2 = await plain.run(weights, { ...batch, extra: sftInputs(batch) });
    expect(Math.abs(res2.loss - res.loss)).toBeLessThan(1e-5);
    for (const [name, grad] of res.grads) expect(relErr(res2.grads.get(name)!, grad), name).toBeLessThan(1e-4);
  });

  it("a DPO-style sigmoid loss and the IOPO loss give finite-difference-exact gradients through the model", async () => {
    const batch = sampleBatch(cfg, 9);
    const ids = batch.ids.slice(0, 4);
    const responseStart = batch.responseStart.slice(0, 4);
    const refLogp = Float64Array.from([-20.5, -14.25, -9.5, -18]);
    const beta = 0.7;
    for (const [loss, formula] of [
      [
        trainingLoss("dpo", { ...defaultLossOptions, beta }),
        (d: number[]) =>
          (Math.log1p(Math.exp(-beta * (d[0]! - d[1]!))) + Math.log1p(Math.exp(-beta * (d[2]! - d[3]!)))) / 2,
      ],
      [
        trainingLoss("iopo", { ...defaultLossOptions, beta }),
        (d: number[]) => Math.log1p(Math.exp(-beta * 0.5 * (2 * d[0]! - d[1]! - d[3]! + (2 * d[2]! - d[3]! - d[1]!)))),
      ],
    ] as const) {
      const trainable = (n: string) => n.includes("layers.1.") || n === "model.embed_tokens.weight";
      const step = await createTrainingStep(cfg, { trainable, loss, threads: 2 });
      const res = await step.run(weights, { ids, responseStart, refLogp });
      const refLoss = (w: Weights) => {
        const sums = referenceSums(cfg, w, { ids, responseStart });
        return formula(sums.map((s, i) => s.sum - refLogp[i]!));
      };
      expect(Math.abs(res.loss - refLoss(weights))).toBeLessThan(1e-4 * Math.max(1, Math.abs(res.loss)));
      expect([...res.grads.keys()].every(trainable)).toBe(true);
      await checkGradients(weights, res.grads, refLoss, 2, 202);
    }
  });
});

describe("LoRA through transformWeight", () => {
  it("adapter gradients match finite differences of the merged float64 model; base weights get none", async () => {
    const cfg = MODELS[0]!.cfg;
    const lora = { targets: ["q_proj", "v_proj", "down_proj"], rank: 2, alpha: 4 };
    const weights = randomWeights(cfg, 13);
    const r = rng(17);
    for (const name of [...weights.keys()]) {
      const m = /^(.*\.(q_proj|v_proj|down_proj))\.weight$/.exec(name);
      if (!m) continue;
      const [o, i] = weights.get(name)!.shape as [number, number];
      const rand = (n: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.3);
      weights.set(`${m[1]}.lora_A.weight`, { shape: [2, i], data: rand(2 * i) });
      weights.set(`${m[1]}.lora_B.weight`, { shape: [o, 2], data: rand(o * 2) });
    }
    const batch = sampleBatch(cfg, 19);
    const step = await createTrainingStep(cfg, {
      trainable: isLoraParameter,
      transformWeight: loraTransform(lora),
      loss: sftLoss,
      threads: 2,
    });
    expect(step.trainableNames.length).toBe(2 * 3 * cfg.num_hidden_layers);
    const res = await step.run(weights, { ...batch, extra: sftInputs(batch) });
    const refLoss = (w: Weights) => {
      const merged = mergeLora(w, lora);
      const sums = batch.ids.map((ids, i) => referenceLogprob(cfg, merged, ids, batch.responseStart[i]!));
      return -sums.reduce((s, x) => s + x.sum, 0) / sums.reduce((s, x) => s + x.count, 0);
    };
    expect(Math.abs(res.loss - refLoss(weights))).toBeLessThan(1e-4);
    await checkGradients(weights, res.grads, refLoss, 2, 303);
  });
});

/** Central differences of the float64 reference loss on sampled entries of every gradient tensor. */
async function checkGradients(
  weights: Weights,
  grads: Map<string, Float32Array>,
  refLoss: (w: Weights) => number,
  samples: number,
  seed: number,
): Promise<void> {
  const r = rng(seed);
  const h = 1e-3;
  for (const [name, grad] of grads) {
    const t = weights.get(name)!;
    let scale = 0;
    for (const v of grad) scale = Math.max(scale, Math.abs(v));
    // Sample the largest entry plus random ones.
    let arg = 0;
    for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]!) > Math.abs(grad[arg]!)) arg = i;
    const picks = [arg, ...Array.from({ length: samples - 1 }, () => Math.floor(r() * grad.length))];
    for (const i of picks) {
      // Perturb a float64 copy so the step is exact.
      const perturbed = (delta: number) => {
        const w2: Weights = new Map(weights);
        const data = Float64Array.from(t.data);
        data[i]! += delta;
        w2.set(name, { shape: t.shape, data: data as unknown as Float32Array });
        return refLoss(w2);
      };
      const fd = (perturbed(h) - perturbed(-h)) / (2 * h);
      expect(Math.abs(grad[i]! - fd), `${name}[${i}] onnx ${grad[i]} fd ${fd}`).toBeLessThan(1e-3 * scale + 1e-5);
    }
  }
}
