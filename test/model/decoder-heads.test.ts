import { afterAll, describe, expect, it } from "vitest";
import type { OptimizationLevel } from "../../src/engine/session.js";
import { releaseSessions } from "../../src/engine/session.js";
import type { ModelConfig } from "../../src/model/config.js";
import { createHeadsRunner, createHeadsTrainingStep, scoredTokens } from "../../src/model/decoder-heads.js";
import { isLoraParameter, loraBranch, mergeLora } from "../../src/model/decoder-lora.js";
import { referenceHeads } from "../../src/model/reference-decoder.js";
import type { Weights } from "../../src/model/weights.js";
import { rng } from "../engine/harness.js";
import { randomIds, randomWeights, tinyConfig } from "./decoder-fixtures.js";

afterAll(releaseSessions);

const LEVELS: OptimizationLevel[] = ["all", "disabled"];

/** The decoder's weights plus the three head tensors (score, value weight and bias), seeded. */
function withHeads(cfg: ModelConfig, seed: number): Weights {
  const w = randomWeights(cfg, seed);
  const r = rng(seed + 1);
  const D = cfg.hidden_size;
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * s);
  w.set("score.weight", { shape: [1, D], data: rand(D, 0.4) });
  w.set("v_head.summary.weight", { shape: [1, D], data: rand(D, 0.4) });
  w.set("v_head.summary.bias", { shape: [1], data: rand(1, 0.5) });
  return w;
}

/** GRPO-like: one prompt with three completions, a second prompt with one, a lone sequence, an empty response. */
function sampleBatch(cfg: ModelConfig, seed: number) {
  const r = rng(seed);
  const V = cfg.vocab_size;
  const cat = (a: Int32Array, b: Int32Array) => Int32Array.from([...a, ...b]);
  const p1 = randomIds(r, 5, V);
  const p2 = randomIds(r, 3, V);
  const ids = [
    cat(p1, randomIds(r, 4, V)),
    cat(p1, randomIds(r, 2, V)),
    cat(p1, randomIds(r, 5, V)),
    cat(p2, randomIds(r, 3, V)),
    randomIds(r, 6, V),
    Int32Array.from(p2),
  ];
  const responseStart = [5, 5, 5, 3, 2, 3];
  return { ids, responseStart };
}

const MODELS = [
  { name: "qwen2, tied head", cfg: tinyConfig("qwen2", true) },
  { name: "llama, untied head", cfg: tinyConfig("llama", false) },
];

describe.each(MODELS)("decoder heads: $name", ({ cfg }) => {
  const weights = withHeads(cfg, 21);
  const batch = sampleBatch(cfg, 5);
  const T = 0.7;
  const ref = batch.ids.map((ids, i) => referenceHeads(cfg, weights, ids, batch.responseStart[i]!, T));

  it.each(LEVELS)(
    "per-token log-probs, entropy and values and the last-token score match the float64 reference (opt %s)",
    async (optimization) => {
      for (const sharePrompts of [true, false]) {
        const runner = await createHeadsRunner(cfg, {
          logp: true,
          entropy: true,
          values: true,
          score: true,
          temperature: T,
          sharePrompts,
          optimization,
          threads: 2,
        });
        const out = await runner.run(weights, batch);
        ref.forEach((r, i) => {
          const n = scoredTokens(batch.ids[i]!, batch.responseStart[i]!);
          expect(out.logp![i]!.length).toBe(n);
          for (let k = 0; k < n; k++) {
            expect(Math.abs(out.logp![i]![k]! - r.logp[k]!), `logp ${i}/${k}`).toBeLessThan(1e-4);
            expect(Math.abs(out.entropy![i]![k]! - r.entropy[k]!), `entropy ${i}/${k}`).toBeLessThan(1e-4);
            expect(Math.abs(out.values![i]![k]! - r.values![k]!), `value ${i}/${k}`).toBeLessThan(1e-4);
          }
          expect(Math.abs(out.score![i]! - r.score!), `score ${i}`).toBeLessThan(1e-4);
        });
      }
    },
  );

  it("the score-only graph (reward model) needs no LM head and gives the same scores", async () => {
    const runner = await createHeadsRunner(cfg, { score: true, threads: 2, maxBatchTokens: 16 });
    const out = await runner.run(weights, batch);
    expect(out.logp).toBeUndefined();
    ref.forEach((r, i) => {
      expect(Math.abs(out.score![i]! - r.score!)).toBeLessThan(1e-4);
    });
  });

  it.each(LEVELS)(
    "gradients through the LM head, the value head and the score head match central differences (opt %s)",
    async (optimization) => {
      // loss = sum_t a_t logp_t + sum_t b_t v_t + sum_n c_n score_n, with a, b fed per token and c per sequence
      const r = rng(31);
      const a = batch.ids.map((ids, i) =>
        Float32Array.from({ length: scoredTokens(ids, batch.responseStart[i]!) }, () => r() * 2 - 1),
      );
      const b = a.map((x) => Float32Array.from(x, () => r() * 2 - 1));
      const c = Float32Array.from(batch.ids, () => r() * 2 - 1);
      const step = await createHeadsTrainingStep(cfg, {
        logp: true,
        values: true,
        score: true,
        temperature: T,
        trainable: () => true,
        optimization,
        threads: 2,
        loss: (g, ctx) =>
          g.add(
            g.add(
              g.reduceSum(g.mul(ctx.logp!, ctx.tokenInput("a")), [0], false),
              g.reduceSum(g.mul(ctx.values!, ctx.tokenInput("b")), [0], false),
            ),
            g.reduceSum(g.mul(ctx.score!, ctx.sequenceInput("c")), [0], false),
          ),
      });
      expect(step.trainableNames).toContain("score.weight");
      expect(step.trainableNames).toContain("v_head.summary.bias");
      const res = await step.run(weights, { ...batch, tokenInputs: { a, b }, sequenceInputs: { c } });
      const refLoss = (w: Weights) =>
        batch.ids.reduce((acc, ids, i) => {
          const h = referenceHeads(cfg, w, ids, batch.responseStart[i]!, T);
          let s = h.score! * c[i]!;
          h.logp.forEach((l, k) => {
            s += l * a[i]![k]! + h.values![k]! * b[i]![k]!;
          });
          return acc + s;
        }, 0);
      expect(Math.abs(res.loss - refLoss(weights))).toBeLessThan(1e-3 * Math.max(1, Math.abs(res.loss)));
      for (const name of ["score.weight", "v_head.summary.weight", "v_head.summary.bias", "model.norm.weight"])
        expect(res.grads.has(name), name).toBe(true);
      checkGradients(weights, res.grads, refLoss, 2, 41);
    },
  );

  it("stopGradient: exp(logp - sg(logp)) is 1 in value and has the gradient of logp (GRPO's one-iteration ratio)", async () => {
    const r = rng(7);
    const adv = batch.ids.map((ids, i) =>
      Float32Array.from({ length: scoredTokens(ids, batch.responseStart[i]!) }, () => r() * 2 - 1),
    );
    const mk = (ratio: boolean) =>
      createHeadsTrainingStep(cfg, {
        logp: true,
        trainable: (n) => n.includes("layers.1."),
        threads: 2,
        loss: (g, ctx) => {
          const x = ratio ? g.exp(g.sub(ctx.logp!, ctx.stopGradient(ctx.logp!))) : ctx.logp!;
          return g.reduceSum(g.mul(x, ctx.tokenInput("adv")), [0], false);
        },
      });
    const withRatio = await (await mk(true)).run(weights, { ...batch, tokenInputs: { adv } });
    const plain = await (await mk(false)).run(weights, { ...batch, tokenInputs: { adv } });
    const sumAdv = adv.reduce((s, x) => s + x.reduce((p, v) => p + v, 0), 0);
    expect(Math.abs(withRatio.loss - sumAdv)).toBeLessThan(1e-5);
    for (const [name, g] of plain.grads) {
      const g2 = withRatio.grads.get(name)!;
      let worst = 0;
      let scale = 1e-6;
      for (let i = 0; i < g.length; i++) {
        worst = Math.max(worst, Math.abs(g[i]! - g2[i]!));
        scale = Math.max(scale, Math.abs(g[i]!));
      }
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
  });
});

describe("decoder heads with LoRA (activation-path branch)", () => {
  it("adapter and value-head gradients match central differences of the merged float64 model", async () => {
    const cfg = MODELS[0]!.cfg;
    const lora = { targets: ["q_proj", "down_proj"], rank: 2, alpha: 4 };
    const weights = withHeads(cfg, 23);
    const r = rng(29);
    for (const name of [...weights.keys()]) {
      const m = /^(.*\.(q_proj|down_proj))\.weight$/.exec(name);
      if (!m) continue;
      const [o, i] = weights.get(name)!.shape as [number, number];
      const rand = (n: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.3);
      weights.set(`${m[1]}.lora_A.weight`, { shape: [2, i], data: rand(2 * i) });
      weights.set(`${m[1]}.lora_B.weight`, { shape: [o, 2], data: rand(o * 2) });
    }
    const batch = sampleBatch(cfg, 9);
    const a = batch.ids.map((ids, i) =>
      Float32Array.from({ length: scoredTokens(ids, batch.responseStart[i]!) }, () => r() * 2 - 1),
    );
    const step = await createHeadsTrainingStep(cfg, {
      logp: true,
      values: true,
      trainable: (n) => isLoraParameter(n) || n.startsWith("v_head."),
      adaptLinear: loraBranch({ ...lora, dropout: 0 }),
      threads: 2,
      loss: (g, ctx) =>
        g.reduceSum(g.mul(g.add(ctx.logp!, g.mul(ctx.values!, ctx.values!)), ctx.tokenInput("a")), [0], false),
    });
    expect(step.trainableNames.filter((n) => n.startsWith("v_head.")).length).toBe(2);
    const res = await step.run(weights, { ...batch, tokenInputs: { a } });
    const refLoss = (w: Weights) => {
      const merged = mergeLora(w, lora) as unknown as Weights;
      return batch.ids.reduce((acc, ids, i) => {
        const h = referenceHeads(cfg, merged, ids, batch.responseStart[i]!);
        return acc + h.logp.reduce((s, l, k) => s + (l + h.values![k]! ** 2) * a[i]![k]!, 0);
      }, 0);
    };
    expect(Math.abs(res.loss - refLoss(weights))).toBeLessThan(1e-3 * Math.max(1, Math.abs(res.loss)));
    checkGradients(weights, res.grads, refLoss, 2, 43);
  });
});

/** Central differences of the float64 reference loss on sampled entries (the largest plus random ones). */
function checkGradients(
  weights: Weights,
  grads: Map<string, Float32Array>,
  refLoss: (w: Weights) => number,
  samples: number,
  seed: number,
): void {
  const r = rng(seed);
  const h = 1e-3;
  for (const [name, grad] of grads) {
    const t = weights.get(name)!;
    let scale = 0;
    let arg = 0;
    for (let i = 0; i < grad.length; i++) {
      scale = Math.max(scale, Math.abs(grad[i]!));
      if (Math.abs(grad[i]!) > Math.abs(grad[arg]!)) arg = i;
    }
    const picks = [arg, ...Array.from({ length: samples - 1 }, () => Math.floor(r() * grad.length))];
    for (const i of picks) {
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
