import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../src/engine/session.js";
import { parseModelConfig } from "../../src/model/config.js";
import { createTrainingStep } from "../../src/model/decoder.js";
import type { Weights } from "../../src/model/weights.js";
import { type AdamWParamState, adamwUpdate } from "../../src/train/adamw.js";
import { trainingLoss } from "../../src/train/graph-losses.js";
import { defaultLossOptions } from "../../src/train/losses/index.js";
import { rng } from "../engine/harness.js";
import { randomIds, randomWeights, sftInputs } from "./decoder-fixtures.js";

afterAll(releaseSessions);

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Full fine-tuning at 2 intra-op threads is bit-reproducible: the same weights and batches give the same losses and
 * the same trained weights, run after run. The batch (16 x ~300 tokens over a 128-token vocabulary, width 96) is large enough
 * for ORT to split its kernels over both threads; the tied embedding gets both the head's and the lookup's gradient.
 */
describe("training at threads 2", () => {
  const cfg = parseModelConfig({
    model_type: "qwen2",
    vocab_size: 128,
    hidden_size: 96,
    intermediate_size: 192,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
  });
  const batches = [1, 2, 3].map((seed) => {
    const r = rng(seed);
    const ids = Array.from({ length: 16 }, (_, i) => randomIds(r, 300 + 2 * i, cfg.vocab_size));
    const batch = { ids, responseStart: ids.map(() => 20) };
    return { ...batch, extra: sftInputs(batch) };
  });

  async function train(): Promise<{ losses: number[]; weights: Weights }> {
    const step = await createTrainingStep(cfg, {
      trainable: () => true,
      loss: trainingLoss("sft", defaultLossOptions),
      threads: 2,
    });
    const weights = randomWeights(cfg, 5);
    const state = new Map<string, AdamWParamState>();
    const losses: number[] = [];
    for (const [t, batch] of batches.entries()) {
      const res = await step.run(weights, batch);
      losses.push(res.loss);
      for (const [name, grad] of res.grads) {
        const p = weights.get(name)!.data;
        let st = state.get(name);
        if (!st) state.set(name, (st = { expAvg: new Float32Array(p.length), expAvgSq: new Float32Array(p.length) }));
        adamwUpdate(p, grad, st, t + 1, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      }
    }
    return { losses, weights };
  }

  it("two runs give bit-identical losses and weights", async () => {
    const a = await train();
    const b = await train();
    expect(b.losses).toEqual(a.losses);
    for (const [name, t] of a.weights) {
      const same = bytes(t.data).equals(bytes(b.weights.get(name)!.data));
      expect(same, name).toBe(true);
    }
  });
});
