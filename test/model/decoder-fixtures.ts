/**
 * Test fixtures for the decoder: tiny random Llama/Qwen2 configs and weights, and a straightforward float64 forward
 * pass written directly from the HF modelling code (rotate_half, repeat_kv, causal softmax), independent of the
 * graph builder.
 */
import { type ModelConfig, parseModelConfig } from "../../src/model/config.js";
import { parameterShapes } from "../../src/model/decoder.js";
import type { Weights } from "../../src/model/weights.js";
import { tokenNormalizerInput } from "../../src/train/graph-losses.js";
import { rng } from "../engine/harness.js";

export function tinyConfig(kind: "llama" | "qwen2", tied: boolean, extra: Record<string, unknown> = {}): ModelConfig {
  return parseModelConfig({
    model_type: kind,
    vocab_size: 61,
    hidden_size: 32,
    intermediate_size: 40,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 1000,
    tie_word_embeddings: tied,
    ...extra,
  });
}

/** The SFT training loss's extra input for a batch: its response tokens (the loss is their mean NLL). */
export function sftInputs(batch: { ids: Int32Array[]; responseStart: number[] }) {
  return tokenNormalizerInput(
    batch.ids.reduce((a, ids, i) => a + ids.length - Math.max(batch.responseStart[i]!, 1), 0),
  );
}

export function randomWeights(cfg: ModelConfig, seed: number): Weights {
  const r = rng(seed);
  const w: Weights = new Map();
  for (const [name, shape] of parameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = name.endsWith("norm.weight");
    const scale = name.endsWith(".bias") ? 0.1 : name.includes("embed") || name.includes("lm_head") ? 0.5 : 0.25;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = isNorm ? 1 + (r() - 0.5) * 0.4 : (r() * 2 - 1) * scale;
    w.set(name, { shape, data });
  }
  return w;
}

type W64 = Map<string, { shape: number[]; data: Float64Array }>;

export function toFloat64(w: Weights): W64 {
  return new Map([...w].map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
}

function linear(x: Float64Array[], w: W64, name: string, bias: boolean): Float64Array[] {
  const W = w.get(`${name}.weight`)!;
  const [out, inp] = W.shape as [number, number];
  const b = bias ? w.get(`${name}.bias`)!.data : undefined;
  return x.map((row) => {
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inp; i++) s += W.data[o * inp + i]! * row[i]!;
      y[o] = s;
    }
    return y;
  });
}

function rms(x: Float64Array[], weight: Float64Array, eps: number): Float64Array[] {
  return x.map((row) => {
    let ms = 0;
    for (const v of row) ms += v * v;
    const inv = 1 / Math.sqrt(ms / row.length + eps);
    return row.map((v, i) => v * inv * weight[i]!);
  });
}

function rope(row: Float64Array, heads: number, hd: number, pos: number, theta: number): Float64Array {
  const out = new Float64Array(row.length);
  const h = hd / 2;
  for (let hh = 0; hh < heads; hh++) {
    for (let i = 0; i < hd; i++) {
      const f = 1 / theta ** ((2 * (i % h)) / hd);
      const a = pos * f;
      const x = row[hh * hd + i]!;
      const rot = i < h ? -row[hh * hd + i + h]! : row[hh * hd + i - h]!;
      out[hh * hd + i] = x * Math.cos(a) + rot * Math.sin(a);
    }
  }
  return out;
}

/** Rewrites a projection's output y given its input x (e.g. an activation-path LoRA branch); identity if absent. */
export type ReferenceAdapter = (module: string, x: Float64Array[], y: Float64Array[]) => Float64Array[];

/** Logits [T][V] of one sequence (float64). */
export function referenceLogits(
  cfg: ModelConfig,
  w: W64,
  ids: ArrayLike<number>,
  adapt: ReferenceAdapter = (_m, _x, y) => y,
): Float64Array[] {
  const T = ids.length;
  const D = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const KV = cfg.num_key_value_heads;
  const hd = cfg.head_dim;
  const emb = w.get("model.embed_tokens.weight")!.data;
  let x = Array.from({ length: T }, (_, t) => emb.slice(ids[t]! * D, (ids[t]! + 1) * D));
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const h = rms(x, w.get(`${p}.input_layernorm.weight`)!.data, cfg.rms_norm_eps);
    const lin = (x: Float64Array[], name: string, bias: boolean) => adapt(name, x, linear(x, w, name, bias));
    const q = lin(h, `${p}.self_attn.q_proj`, cfg.attention_bias).map((r, t) => rope(r, H, hd, t, cfg.rope_theta));
    const k = lin(h, `${p}.self_attn.k_proj`, cfg.attention_bias).map((r, t) => rope(r, KV, hd, t, cfg.rope_theta));
    const v = lin(h, `${p}.self_attn.v_proj`, cfg.attention_bias);
    const attn = Array.from({ length: T }, () => new Float64Array(H * hd));
    for (let hh = 0; hh < H; hh++) {
      const kvh = Math.floor(hh / (H / KV)); // repeat_kv
      for (let i = 0; i < T; i++) {
        const scores = new Float64Array(i + 1);
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[i]![hh * hd + d]! * k[j]![kvh * hd + d]!;
          scores[j] = s / Math.sqrt(hd);
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++)
          for (let d = 0; d < hd; d++) attn[i]![hh * hd + d]! += (e[j]! / z) * v[j]![kvh * hd + d]!;
      }
    }
    const o = lin(attn, `${p}.self_attn.o_proj`, cfg.o_proj_bias);
    x = x.map((row, t) => row.map((val, i) => val + o[t]![i]!));
    const h2 = rms(x, w.get(`${p}.post_attention_layernorm.weight`)!.data, cfg.rms_norm_eps);
    const gate = lin(h2, `${p}.mlp.gate_proj`, cfg.mlp_bias);
    const up = lin(h2, `${p}.mlp.up_proj`, cfg.mlp_bias);
    const act = gate.map((gr, t) => gr.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[t]![i]!));
    const down = lin(act, `${p}.mlp.down_proj`, cfg.mlp_bias);
    x = x.map((row, t) => row.map((val, i) => val + down[t]![i]!));
  }
  const hN = rms(x, w.get("model.norm.weight")!.data, cfg.rms_norm_eps);
  const head = cfg.tie_word_embeddings ? "model.embed_tokens" : "lm_head";
  return linear(hN, w, head, false);
}

/** Sum of log p(ids[t] | ids[<t]) for t >= max(responseStart, 1), float64. */
export function referenceLogprob(
  cfg: ModelConfig,
  w: W64,
  ids: ArrayLike<number>,
  responseStart: number,
  adapt?: ReferenceAdapter,
) {
  const logits = referenceLogits(cfg, w, ids, adapt);
  let sum = 0;
  let count = 0;
  for (let t = Math.max(responseStart, 1); t < ids.length; t++) {
    const row = logits[t - 1]!;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    sum += row[ids[t]!]! - lse;
    count++;
  }
  return { sum, count };
}

export function randomIds(r: () => number, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(r() * vocab));
}
