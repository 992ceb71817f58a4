import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/model/checkpoint.js";
import { parseModelConfig } from "../../src/model/config.js";
import {
  applyRope,
  logSoftmax,
  referenceGreedy,
  referenceLogits,
  referenceSequenceLogprob,
} from "../../src/model/reference-decoder.js";
import { randomWeights } from "../../src/model/tiny-model.js";
import type { Weights } from "../../src/model/weights.js";

const t = (shape: number[], values: number[]) => ({ shape, data: Float32Array.from(values) });

describe("reference decoder", () => {
  it("matches a hand-derived 1-layer, hidden-2 case (identity attention, zero MLP, RoPE at positions 0 and 1)", () => {
    const config = parseModelConfig({
      model_type: "llama",
      vocab_size: 3,
      hidden_size: 2,
      intermediate_size: 1,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      num_key_value_heads: 1,
      rms_norm_eps: 0,
      rope_theta: 10000,
      tie_word_embeddings: true,
    });
    const eye = t([2, 2], [1, 0, 0, 1]);
    const weights: Weights = new Map([
      ["model.embed_tokens.weight", t([3, 2], [1, 0, 0, 1, 1, 1])],
      ["model.layers.0.input_layernorm.weight", t([2], [1, 1])],
      ["model.layers.0.self_attn.q_proj.weight", eye],
      ["model.layers.0.self_attn.k_proj.weight", eye],
      ["model.layers.0.self_attn.v_proj.weight", eye],
      ["model.layers.0.self_attn.o_proj.weight", eye],
      ["model.layers.0.post_attention_layernorm.weight", t([2], [1, 1])],
      ["model.layers.0.mlp.gate_proj.weight", t([1, 2], [0, 0])],
      ["model.layers.0.mlp.up_proj.weight", t([1, 2], [0, 0])],
      ["model.layers.0.mlp.down_proj.weight", t([2, 1], [0, 0])],
      ["model.norm.weight", t([2], [1, 1])],
    ]);
    const logits = referenceLogits(config, weights, [0, 1]);
    const r2 = Math.SQRT2;
    // Position 0: x=[1,0], RMSNorm -> [√2,0], attention returns v0 = [√2,0]; x' = [1+√2, 0] -> norm [√2, 0].
    const expected0 = [r2, 0, r2];
    // Position 1: h=[0,√2]; q1 = k1 = R(1)[0,√2] = [-√2 sin1, √2 cos1]; k0 = [√2, 0].
    // scores/√d: s0 = q1·k0/√2 = -√2 sin 1, s1 = |q1|²/√2 = √2.
    const s0 = -r2 * Math.sin(1);
    const s1 = r2;
    const p0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    const p1 = 1 - p0;
    const x1 = [r2 * p0, 1 + r2 * p1];
    const rms = Math.sqrt((x1[0] ** 2 + x1[1] ** 2) / 2);
    const n1 = [x1[0] / rms, x1[1] / rms];
    const expected1 = [n1[0], n1[1], n1[0] + n1[1]];
    for (let i = 0; i < 3; i++) {
      expect(logits[0][i]).toBeCloseTo(expected0[i], 6);
      expect(logits[1][i]).toBeCloseTo(expected1[i], 6);
    }
    const lp = referenceSequenceLogprob(config, weights, [0, 1], 1);
    expect(lp.count).toBe(1);
    expect(lp.sum).toBeCloseTo(logSoftmax(Float64Array.from(expected0))[1], 10);
  });

  it("RoPE pairs dimension i with i + d/2 (rotate_half) with inv_freq theta^(-2i/d)", () => {
    const v = Float64Array.from([1, 2, 3, 4]);
    applyRope(v, 0, 4, 3, 10000);
    const a0 = 3;
    const a1 = 3 / 100;
    expect(v[0]).toBeCloseTo(1 * Math.cos(a0) - 3 * Math.sin(a0), 12);
    expect(v[2]).toBeCloseTo(3 * Math.cos(a0) + 1 * Math.sin(a0), 12);
    expect(v[1]).toBeCloseTo(2 * Math.cos(a1) - 4 * Math.sin(a1), 12);
    expect(v[3]).toBeCloseTo(4 * Math.cos(a1) + 2 * Math.sin(a1), 12);
  });

  for (const modelType of ["llama", "qwen2"] as const) {
    it(`${modelType}: causal (later tokens never change earlier logits), GQA, biases used`, () => {
      const config = parseModelConfig({
        model_type: modelType,
        vocab_size: 50,
        hidden_size: 16,
        intermediate_size: 24,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        tie_word_embeddings: modelType === "qwen2",
      });
      const weights = randomWeights(config, 3, 0.3);
      const a = referenceLogits(config, weights, [5, 9, 1, 7, 3]);
      const b = referenceLogits(config, weights, [5, 9, 1, 42, 11, 13]);
      for (let i = 0; i < 3; i++) expect(Array.from(b[i])).toEqual(Array.from(a[i]));
      expect(Array.from(b[3])).not.toEqual(Array.from(a[3]));
      if (modelType === "qwen2") {
        const noBias = new Map(weights);
        const qb = weights.get("model.layers.0.self_attn.k_proj.bias")!;
        noBias.set("model.layers.0.self_attn.k_proj.bias", { shape: qb.shape, data: new Float32Array(qb.data.length) });
        expect(Array.from(referenceLogits(config, noBias, [5, 9])[1])).not.toEqual(Array.from(a[1]));
      }
      // Sequence log-prob = sum of per-token log-softmax entries.
      const lp = referenceSequenceLogprob(config, weights, [5, 9, 1, 7, 3], 2);
      const manual = [2, 3, 4].reduce((s, tt) => s + logSoftmax(a[tt - 1])[[5, 9, 1, 7, 3][tt]], 0);
      expect(lp.sum).toBeCloseTo(manual, 12);
      expect(lp.count).toBe(3);
      // Greedy picks the argmax each step.
      const g = referenceGreedy(config, weights, [5, 9], 3);
      const first = referenceLogits(config, weights, [5, 9])[1];
      expect(g[0]).toBe(first.indexOf(Math.max(...first)));
      expect(referenceGreedy(config, weights, [5, 9], 3, [g[0]])).toEqual([]);
    });
  }
});

describe("reference decoder vs an independent PyTorch implementation (float64, committed fixture)", () => {
  for (const variant of ["torch-qwen2", "torch-llama"]) {
    it(`${variant}: logits and sequence log-probs agree to 1e-9`, () => {
      const dir = join(import.meta.dirname, "fixtures", variant);
      const config = parseModelConfig(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")));
      const { weights } = readCheckpoint(dir);
      const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
        ids: number[][];
        response_start: number[];
        logits: number[][][];
        logp_sum: number[];
      };
      expected.ids.forEach((ids, s) => {
        const logits = referenceLogits(config, weights, ids);
        let maxErr = 0;
        logits.forEach((row, t) => {
          row.forEach((v, i) => {
            maxErr = Math.max(maxErr, Math.abs(v - expected.logits[s][t][i]));
          });
        });
        expect(maxErr).toBeLessThan(1e-9);
        const lp = referenceSequenceLogprob(config, weights, ids, expected.response_start[s]);
        expect(Math.abs(lp.sum - expected.logp_sum[s])).toBeLessThan(1e-9);
        expect(Math.abs(expected.logp_sum[s])).toBeGreaterThan(1);
      });
    });
  }
});
