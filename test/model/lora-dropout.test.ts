import { afterAll, describe, expect, it } from "vitest";
import { Graph } from "../../src/engine/graph.js";
import { CompiledGraph, releaseSessions } from "../../src/engine/session.js";
import type { ModelConfig } from "../../src/model/config.js";
import { createTrainingStep } from "../../src/model/decoder.js";
import { isLoraParameter, loraBranch, loraTransform } from "../../src/model/decoder-lora.js";
import {
  dropoutStream,
  dropUnscaledGraph,
  referenceDropoutMask,
  sequenceTokenKeys,
} from "../../src/model/lora-dropout.js";
import type { Weights } from "../../src/model/weights.js";
import { trainingLoss } from "../../src/train/graph-losses.js";
import { defaultLossOptions } from "../../src/train/losses/index.js";
import { relErr, rng } from "../engine/harness.js";
import {
  type ReferenceAdapter,
  randomIds,
  randomWeights,
  referenceLogprob,
  sftInputs,
  tinyConfig,
  toFloat64,
} from "./decoder-fixtures.js";

afterAll(releaseSessions);

const LORA = { targets: ["q_proj", "v_proj", "o_proj", "down_proj"], rank: 2, alpha: 6 };
const SCALE = LORA.alpha / LORA.rank;
const sftLoss = trainingLoss("sft", defaultLossOptions);

async function graphMask(keys: Uint32Array, module: string, n: number, p: number): Promise<Float32Array> {
  const g = new Graph("mask");
  const x = g.input("x", "float32", ["T", n]);
  // x = 1/(1-p) everywhere: the kept values are then the inverted-dropout multipliers
  g.output("mask", dropUnscaledGraph(g, x, g.input("keys", "int64", ["T", 1]), module, p));
  const c = await CompiledGraph.create(g, { threads: 2 });
  const data = BigInt64Array.from(keys, (k) => BigInt(k));
  const ones = new Float32Array(keys.length * n).fill(1 / (1 - p));
  return (
    await c.run({
      keys: { dtype: "int64", data, dims: [keys.length, 1] },
      x: { dtype: "float32", data: ones, dims: [keys.length, n] },
    })
  ).mask!.data as Float32Array;
}

describe("LoRA dropout masks", () => {
  const r = rng(1);
  const ids = randomIds(r, 300, 1000);
  it.each([0.1, 0.3, 0.5])("p = %f: the graph's mask equals the TypeScript reference; keep rate ~ 1-p", async (p) => {
    const keys = sequenceTokenKeys(dropoutStream(7, 3), ids);
    const n = 96;
    const got = await graphMask(keys, "model.layers.1.mlp.down_proj", n, p);
    const want = referenceDropoutMask(keys, "model.layers.1.mlp.down_proj", n, p);
    expect(Array.from(got)).toEqual(Array.from(want, Math.fround));
    const kept = want.filter((v) => v > 0).length / want.length;
    // 28,800 Bernoulli draws: 5 standard deviations is below 0.015
    expect(Math.abs(kept - (1 - p))).toBeLessThan(0.015);
    const mean = want.reduce((a, b) => a + b, 0) / want.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.015 / (1 - p));
    expect(want.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-12)).toBe(true);
  });
  it("masks are independent across modules, steps and seeds, and equal for equal token prefixes", () => {
    const p = 0.5;
    const keys = sequenceTokenKeys(dropoutStream(7, 3), ids);
    const agree = (a: Float64Array, b: Float64Array) => a.filter((v, i) => v === b[i]).length / a.length;
    const base = referenceDropoutMask(keys, "model.layers.0.self_attn.q_proj", 64, p);
    for (const other of [
      referenceDropoutMask(keys, "model.layers.0.self_attn.k_proj", 64, p),
      referenceDropoutMask(keys, "model.layers.1.self_attn.q_proj", 64, p),
      referenceDropoutMask(sequenceTokenKeys(dropoutStream(7, 4), ids), "model.layers.0.self_attn.q_proj", 64, p),
      referenceDropoutMask(sequenceTokenKeys(dropoutStream(8, 3), ids), "model.layers.0.self_attn.q_proj", 64, p),
    ])
      expect(Math.abs(agree(base, other) - 0.5)).toBeLessThan(0.02); // p^2 + (1-p)^2 for independent masks
    // Same prefix, then different: keys agree exactly up to the first differing token.
    const forked = Int32Array.from(ids);
    forked[200] = (forked[200]! + 1) % 1000;
    const k2 = sequenceTokenKeys(dropoutStream(7, 3), forked);
    expect(Array.from(k2.subarray(0, 200))).toEqual(Array.from(keys.subarray(0, 200)));
    expect(k2.subarray(200).filter((k, i) => k === keys[200 + i]).length).toBe(0);
  });
});

/** Base weights plus non-zero adapters (so the branch matters), float32 like the engine's. */
function loraWeights(cfg: ModelConfig, seed: number): Weights {
  const w = randomWeights(cfg, seed);
  const r = rng(seed + 1);
  for (const name of [...w.keys()]) {
    const m = /^(.*\.([a-z_]+))\.weight$/.exec(name);
    if (!m || !LORA.targets.includes(m[2]!)) continue;
    const [o, i] = w.get(name)!.shape as [number, number];
    const rand = (n: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.3);
    w.set(`${m[1]}.lora_A.weight`, { shape: [LORA.rank, i], data: rand(LORA.rank * i) });
    w.set(`${m[1]}.lora_B.weight`, { shape: [o, LORA.rank], data: rand(o * LORA.rank) });
  }
  return w;
}

/** PEFT's branch in float64: y + scale * B A (x * mask), the mask from the sequence's token keys. */
function referenceBranch(w: ReturnType<typeof toFloat64>, keys: Uint32Array, p: number): ReferenceAdapter {
  return (module, x, y) => {
    const a = w.get(`${module}.lora_A.weight`);
    const b = w.get(`${module}.lora_B.weight`);
    if (!a || !b) return y;
    const n = a.shape[1]!;
    const mask = p > 0 ? referenceDropoutMask(keys, module, n, p) : undefined;
    return y.map((row, t) => {
      const low = new Float64Array(LORA.rank);
      for (let k = 0; k < LORA.rank; k++)
        for (let c = 0; c < n; c++) low[k]! += a.data[k * n + c]! * x[t]![c]! * (mask ? mask[t * n + c]! : 1);
      return row.map((v, o) => {
        let s = 0;
        for (let k = 0; k < LORA.rank; k++) s += b.data[o * LORA.rank + k]! * low[k]!;
        return v + SCALE * s;
      });
    });
  };
}

/** Shared prompts (x1 twice, x2 twice), a lone sequence, different lengths: padded rows. */
function batch(cfg: ModelConfig, seed: number) {
  const r = rng(seed);
  const V = cfg.vocab_size;
  const x1 = randomIds(r, 5, V);
  const x2 = randomIds(r, 3, V);
  const y1 = randomIds(r, 4, V);
  const y2 = randomIds(r, 2, V);
  const cat = (a: Int32Array, b: Int32Array) => Int32Array.from([...a, ...b]);
  const b = {
    ids: [cat(x1, y1), cat(x1, y2), cat(x2, y2), cat(x2, y1), randomIds(r, 7, V)],
    responseStart: [5, 5, 3, 3, 2],
  };
  return { ...b, extra: sftInputs(b) };
}

describe("LoRA on the activation path with dropout", () => {
  const cfg = tinyConfig("qwen2", true);
  const weights = loraWeights(cfg, 31);
  const b = batch(cfg, 5);
  const seed = 42;

  /** SFT loss (-sum logp / tokens) of the float64 reference under the masks of (seed, step). */
  const refLoss = (p: number, step: number) => (w: Weights) => {
    const w64 = toFloat64(w);
    const stream = dropoutStream(seed, step);
    let sum = 0;
    let count = 0;
    b.ids.forEach((ids, i) => {
      const adapt = referenceBranch(w64, sequenceTokenKeys(stream, ids), p);
      const r = referenceLogprob(cfg, w64, ids, b.responseStart[i]!, adapt);
      sum += r.sum;
      count += r.count;
    });
    return -sum / count;
  };

  it("dropout 0: the branch computes today's weight-transform LoRA (loss, log-probs, adapter gradients)", async () => {
    const base = { trainable: isLoraParameter, loss: sftLoss, threads: 2 };
    const transform = await createTrainingStep(cfg, { ...base, transformWeight: loraTransform(LORA) });
    const branch = await createTrainingStep(cfg, { ...base, adaptLinear: loraBranch({ ...LORA, dropout: 0 }) });
    const t = await transform.run(weights, b);
    const a = await branch.run(weights, b); // no dropout input needed
    expect(Math.abs(a.loss - t.loss)).toBeLessThan(1e-5 * Math.abs(t.loss));
    expect(relErr(a.logpSum, t.logpSum)).toBeLessThan(1e-5);
    expect([...a.grads.keys()].sort()).toEqual([...t.grads.keys()].sort());
    for (const [name, gr] of t.grads) expect(relErr(a.grads.get(name)!, gr), name).toBeLessThan(1e-4);
  });

  it("p = 0.3: log-probs and loss equal the float64 reference with the same masks; gradients equal finite differences", async () => {
    const p = 0.3;
    const step = await createTrainingStep(cfg, {
      trainable: isLoraParameter,
      loss: sftLoss,
      threads: 2,
      adaptLinear: loraBranch({ ...LORA, dropout: p }),
    });
    await expect(step.run(weights, b)).rejects.toThrow(/dropout/);
    const res = await step.run(weights, { ...b, dropout: { seed, step: 3 } });
    const loss = refLoss(p, 3);
    expect(Math.abs(res.loss - loss(weights))).toBeLessThan(1e-5 * Math.abs(res.loss));
    // Without dropout (or with another step's masks) the loss is measurably different: the masks are applied.
    expect(Math.abs(refLoss(0, 3)(weights) - loss(weights))).toBeGreaterThan(1e-3);
    const other = await step.run(weights, { ...b, dropout: { seed, step: 4 } });
    expect(Math.abs(other.loss - refLoss(p, 4)(weights))).toBeLessThan(1e-5 * Math.abs(other.loss));
    expect(Math.abs(other.loss - res.loss)).toBeGreaterThan(1e-4);
    // A prompt shared by two sequences is computed once in the engine, separately in the reference: same masks.
    const unshared = await createTrainingStep(cfg, {
      trainable: isLoraParameter,
      loss: sftLoss,
      threads: 2,
      adaptLinear: loraBranch({ ...LORA, dropout: p }),
      sharePrompts: false,
    });
    const res2 = await unshared.run(weights, { ...b, dropout: { seed, step: 3 } });
    expect(relErr(res2.logpSum, res.logpSum)).toBeLessThan(1e-5);
    // Finite differences of the float64 reference under the same masks.
    const r = rng(77);
    const h = 1e-3;
    for (const [name, grad] of res.grads) {
      const t = weights.get(name)!;
      const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let arg = 0;
      for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]!) > Math.abs(grad[arg]!)) arg = i;
      for (const i of [arg, Math.floor(r() * grad.length)]) {
        const at = (delta: number) => {
          const w2: Weights = new Map(weights);
          const data = Float64Array.from(t.data);
          data[i]! += delta;
          w2.set(name, { shape: t.shape, data: data as unknown as Float32Array });
          return loss(w2);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(grad[i]! - fd), `${name}[${i}] onnx ${grad[i]} fd ${fd}`).toBeLessThan(1e-3 * scale + 1e-5);
      }
    }
  });
});
