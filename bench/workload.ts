/**
 * The engine benchmarks' shared workload: the three model shapes of docs/engine.md, "Measurement setup" (tiny,
 * SmolLM2-135M, Qwen2.5-0.5B) with deterministic random weights, and one IOPO group of four sequences (x1,y1) (x1,y2)
 * (x2,y2) (x2,y1) of 160 prompt + 96 response tokens, the peer's `--loss iopo` layout.
 */
import { type ModelConfig, parseModelConfig } from "../src/model/config.js";
import { parameterShapes } from "../src/model/decoder.js";
import type { Weights } from "../src/model/weights.js";

export const SHAPES: Record<string, Record<string, number | boolean>> = {
  tiny: { V: 8192, d: 256, L: 4, H: 4, KV: 2, ffn: 688, bias: true, tie: true },
  small: { V: 49152, d: 576, L: 30, H: 9, KV: 3, ffn: 1536, bias: false, tie: true },
  medium: { V: 151936, d: 896, L: 24, H: 14, KV: 2, ffn: 4864, bias: true, tie: true },
};
export const PROMPT = 160;
export const RESPONSE = 96;

export function configOf(shape: string): ModelConfig {
  const s = SHAPES[shape];
  if (!s) throw new Error(`unknown shape ${shape}`);
  return parseModelConfig({
    model_type: s.bias ? "qwen2" : "llama",
    vocab_size: s.V,
    hidden_size: s.d,
    intermediate_size: s.ffn,
    num_hidden_layers: s.L,
    num_attention_heads: s.H,
    num_key_value_heads: s.KV,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: s.tie,
  });
}

/** A seeded uniform generator on [-1, 1) (an LCG: fast enough for half a billion weights). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
}

/** Random weights of every parameter: matrices uniform with std 0.02, norms 1. */
export function randomWeights(cfg: ModelConfig): Weights {
  const rand = uniform(12345);
  const w: Weights = new Map();
  for (const [name, shape] of parameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith("norm.weight")) data.fill(1);
    else if (shape.length === 2) for (let i = 0; i < n; i++) data[i] = rand() * 0.0346; // std 0.02
    w.set(name, { shape, data });
  }
  return w;
}

/** One IOPO group of random tokens; reference log-probs are placeholders (they only enter the loss). */
export function iopoGroup(cfg: ModelConfig) {
  let s = 7;
  const tok = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % cfg.vocab_size;
  };
  const seq = (n: number) => Int32Array.from({ length: n }, tok);
  const [x1, x2, y1, y2] = [seq(PROMPT), seq(PROMPT), seq(RESPONSE), seq(RESPONSE)];
  const cat = (a: Int32Array, b: Int32Array) => Int32Array.from([...a, ...b]);
  return {
    ids: [cat(x1, y1), cat(x1, y2), cat(x2, y2), cat(x2, y1)],
    responseStart: [PROMPT, PROMPT, PROMPT, PROMPT],
    refLogp: Float64Array.from([-1000, -1001, -999, -1002]),
  };
}

/** `--name value` from the command line. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
