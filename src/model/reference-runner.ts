import { mulberry32 } from "../util/random.js";
import type { ModelConfig } from "./config.js";
import type { SequenceBatch, SequenceLogprobRunner } from "./logprobs.js";
import { logSoftmax, referenceLogits, referenceSequenceLogprob } from "./reference-decoder.js";
import type { Weights } from "./weights.js";

/**
 * The plain-TS float64 reference decoder behind the same interfaces as the ONNX engine (`--reference` on the
 * commands): slow, exact, used to check the engine and in tests.
 */
export function referenceLogprobRunner(config: ModelConfig): SequenceLogprobRunner {
  return {
    async sequenceLogprobs(weights: Weights, batch: SequenceBatch) {
      const sum = new Float64Array(batch.ids.length);
      const count = new Int32Array(batch.ids.length);
      batch.ids.forEach((ids, k) => {
        const r = referenceSequenceLogprob(config, weights, ids, batch.responseStart[k]);
        sum[k] = r.sum;
        count[k] = r.count;
      });
      return { sum, count };
    },
  };
}

export interface GenerationOptions {
  max_new_tokens: number;
  /** 0 = greedy. */
  temperature: number;
  top_p: number;
  seed: number;
  eos_token_ids: number[];
}

/** Pick the next token from one logits row: argmax at temperature 0, else nucleus sampling at temperature. */
export function sampleToken(logits: Float64Array, temperature: number, topP: number, uniform: () => number): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const lp = logSoftmax(logits.map((v) => v / temperature));
  const order = Array.from(lp.keys()).sort((a, b) => lp[b] - lp[a] || a - b);
  // Smallest prefix of the sorted distribution whose mass reaches top_p (always at least one token).
  const kept: number[] = [];
  let mass = 0;
  for (const i of order) {
    kept.push(i);
    mass += Math.exp(lp[i]);
    if (mass >= topP) break;
  }
  let r = uniform() * mass;
  for (const i of kept) {
    r -= Math.exp(lp[i]);
    if (r <= 0) return i;
  }
  return kept[kept.length - 1];
}

export function referenceGenerate(
  config: ModelConfig,
  weights: Weights,
  prompts: Int32Array[],
  options: GenerationOptions,
): Int32Array[] {
  const uniform = mulberry32(options.seed);
  return prompts.map((prompt) => {
    const ids = Array.from(prompt);
    const out: number[] = [];
    for (let step = 0; step < options.max_new_tokens; step++) {
      const logits = referenceLogits(config, weights, ids);
      const next = sampleToken(logits[logits.length - 1], options.temperature, options.top_p, uniform);
      if (options.eos_token_ids.includes(next)) break;
      out.push(next);
      ids.push(next);
    }
    return Int32Array.from(out);
  });
}
