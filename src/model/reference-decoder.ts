import type { ModelConfig } from "./config.js";
import type { Tensor, Weights } from "./weights.js";

/**
 * A plain-TypeScript, float64, one-sequence-at-a-time forward pass of the Llama/Qwen2 decoder, written to be read
 * next to transformers' modeling_llama.py / modeling_qwen2.py. It is the test oracle for the ONNX decoder (and for
 * generation and log-probs), never a production path: no batching, no KV cache, no speed.
 *
 *   x = embed_tokens[ids]
 *   for each layer:
 *     h = RMSNorm(x) * input_layernorm
 *     q, k, v = h Wq^T + bq, h Wk^T + bk, h Wv^T + bv          (biases: Qwen2, or Llama attention_bias)
 *     q, k = RoPE(q), RoPE(k)    (rotate_half convention: pairs (i, i + head_dim/2), inv_freq = theta^(-2i/d))
 *     a = softmax(q k^T / sqrt(head_dim) + causal mask) v       (query head j reads kv head j / (heads/kv_heads))
 *     x = x + a Wo^T (+ bo)
 *     h = RMSNorm(x) * post_attention_layernorm
 *     x = x + down(silu(gate(h)) * up(h))
 *   logits = RMSNorm(x) * norm  @  (lm_head or embed_tokens)^T
 */

type Matrix = Float64Array[]; // rows

function param(weights: Weights, name: string): Tensor {
  const t = weights.get(name);
  if (!t) throw new Error(`reference decoder: missing parameter ${name}`);
  return t;
}

/** y = x W^T + b for each row of x; W is [out, in] row-major as in HF checkpoints. */
export function linear(x: Matrix, w: Tensor, b?: Tensor): Matrix {
  const [out, inp] = w.shape;
  return x.map((row) => {
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = b ? b.data[o] : 0;
      const base = o * inp;
      for (let i = 0; i < inp; i++) s += row[i] * w.data[base + i];
      y[o] = s;
    }
    return y;
  });
}

export function rmsNorm(x: Matrix, weight: Tensor, eps: number): Matrix {
  return x.map((row) => {
    let ms = 0;
    for (const v of row) ms += v * v;
    const scale = 1 / Math.sqrt(ms / row.length + eps);
    return row.map((v, i) => v * scale * weight.data[i]);
  });
}

/** Rotate one head vector (length d) in place for position `pos`: HF's q*cos + rotate_half(q)*sin. */
export function applyRope(vec: Float64Array, offset: number, d: number, pos: number, theta: number): void {
  const half = d / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos * theta ** ((-2 * i) / d);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const a = vec[offset + i];
    const b = vec[offset + i + half];
    vec[offset + i] = a * c - b * s;
    vec[offset + i + half] = b * c + a * s;
  }
}

const silu = (v: number) => v / (1 + Math.exp(-v));

/** Final-norm hidden states [T][hidden] for one sequence of token ids (positions 0..T-1). */
export function referenceHidden(config: ModelConfig, weights: Weights, ids: ArrayLike<number>): Matrix {
  const T = ids.length;
  const H = config.hidden_size;
  const d = config.head_dim;
  const nH = config.num_attention_heads;
  const nKV = config.num_key_value_heads;
  const group = nH / nKV;
  const embed = param(weights, "model.embed_tokens.weight");
  let x: Matrix = Array.from(ids, (id) => Float64Array.from(embed.data.subarray(id * H, (id + 1) * H)));
  const opt = (name: string) => weights.get(name);
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const h = rmsNorm(x, param(weights, `${p}.input_layernorm.weight`), config.rms_norm_eps);
    const bias = (proj: string, enabled: boolean) => (enabled ? opt(`${p}.self_attn.${proj}.bias`) : undefined);
    const q = linear(h, param(weights, `${p}.self_attn.q_proj.weight`), bias("q_proj", config.attention_bias));
    const k = linear(h, param(weights, `${p}.self_attn.k_proj.weight`), bias("k_proj", config.attention_bias));
    const v = linear(h, param(weights, `${p}.self_attn.v_proj.weight`), bias("v_proj", config.attention_bias));
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < nH; j++) applyRope(q[t], j * d, d, t, config.rope_theta);
      for (let j = 0; j < nKV; j++) applyRope(k[t], j * d, d, t, config.rope_theta);
    }
    const attn: Matrix = Array.from({ length: T }, () => new Float64Array(nH * d));
    for (let j = 0; j < nH; j++) {
      const kvh = Math.floor(j / group);
      for (let t = 0; t < T; t++) {
        // Causal: query t attends to keys 0..t.
        const scores = new Float64Array(t + 1);
        let max = Number.NEGATIVE_INFINITY;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += q[t][j * d + i] * k[s][kvh * d + i];
          scores[s] = dot / Math.sqrt(d);
          max = Math.max(max, scores[s]);
        }
        let z = 0;
        for (let s = 0; s <= t; s++) z += scores[s] = Math.exp(scores[s] - max);
        for (let s = 0; s <= t; s++) {
          const w = scores[s] / z;
          for (let i = 0; i < d; i++) attn[t][j * d + i] += w * v[s][kvh * d + i];
        }
      }
    }
    const o = linear(
      attn,
      param(weights, `${p}.self_attn.o_proj.weight`),
      config.o_proj_bias ? opt(`${p}.self_attn.o_proj.bias`) : undefined,
    );
    x = x.map((row, t) => row.map((val, i) => val + o[t][i]));
    const h2 = rmsNorm(x, param(weights, `${p}.post_attention_layernorm.weight`), config.rms_norm_eps);
    const mlpBias = (proj: string) => (config.mlp_bias ? opt(`${p}.mlp.${proj}.bias`) : undefined);
    const gate = linear(h2, param(weights, `${p}.mlp.gate_proj.weight`), mlpBias("gate_proj"));
    const up = linear(h2, param(weights, `${p}.mlp.up_proj.weight`), mlpBias("up_proj"));
    const act = gate.map((row, t) => row.map((g, i) => silu(g) * up[t][i]));
    const down = linear(act, param(weights, `${p}.mlp.down_proj.weight`), mlpBias("down_proj"));
    x = x.map((row, t) => row.map((val, i) => val + down[t][i]));
  }
  return rmsNorm(x, param(weights, "model.norm.weight"), config.rms_norm_eps);
}

/** Logits [T][vocab] for one sequence of token ids (positions 0..T-1). */
export function referenceLogits(config: ModelConfig, weights: Weights, ids: ArrayLike<number>): Matrix {
  const head = config.tie_word_embeddings
    ? param(weights, "model.embed_tokens.weight")
    : param(weights, "lm_head.weight");
  return linear(referenceHidden(config, weights, ids), head);
}

/** log softmax of one logits row. */
export function logSoftmax(row: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of row) max = Math.max(max, v);
  let z = 0;
  for (const v of row) z += Math.exp(v - max);
  const lse = max + Math.log(z);
  return row.map((v) => v - lse);
}

/**
 * sum over t >= responseStart of log p(ids[t] | ids[<t]), and the number of such tokens - the sequence log-prob of
 * a response given its prompt (the quantity DPO/IOPO use).
 */
export function referenceSequenceLogprob(
  config: ModelConfig,
  weights: Weights,
  ids: ArrayLike<number>,
  responseStart: number,
): { sum: number; count: number } {
  if (responseStart < 1) throw new Error("responseStart must be >= 1 (the first token has no prediction)");
  const logits = referenceLogits(config, weights, ids);
  let sum = 0;
  for (let t = responseStart; t < ids.length; t++) sum += logSoftmax(logits[t - 1])[ids[t]];
  return { sum, count: Math.max(0, ids.length - responseStart) };
}

/** Greedy decoding by full re-computation at each step (the oracle for KV-cache generation). */
export function referenceGreedy(
  config: ModelConfig,
  weights: Weights,
  prompt: ArrayLike<number>,
  maxNewTokens: number,
  eosTokenIds: number[] = [],
): number[] {
  const ids = Array.from(prompt);
  const out: number[] = [];
  for (let step = 0; step < maxNewTokens; step++) {
    const logits = referenceLogits(config, weights, ids);
    const last = logits[logits.length - 1];
    let best = 0;
    for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
    if (eosTokenIds.includes(best)) break;
    out.push(best);
    ids.push(best);
  }
  return out;
}

/**
 * Per-token statistics of a response (the online methods' heads), for t = max(responseStart, 1) .. T-1:
 *   logp[k]    = log softmax(logits[t-1] / temperature)[ids[t]]
 *   entropy[k] = -sum_v p_v log p_v of that distribution
 *   values[k]  = h[t-1] . v_head.summary.weight + v_head.summary.bias   (only when the weights hold the value head)
 * and score = h[T-1] . score.weight (only when the weights hold the score head): transformers'
 * *ForSequenceClassification reads the last token's hidden state.
 */
export function referenceHeads(
  config: ModelConfig,
  weights: Weights,
  ids: ArrayLike<number>,
  responseStart: number,
  temperature = 1,
): { logp: number[]; entropy: number[]; values?: number[]; score?: number } {
  const hidden = referenceHidden(config, weights, ids);
  const head = config.tie_word_embeddings ? weights.get("model.embed_tokens.weight") : weights.get("lm_head.weight");
  const vw = weights.get("v_head.summary.weight");
  const vb = weights.get("v_head.summary.bias");
  const sw = weights.get("score.weight");
  const dot = (row: Float64Array, w: ArrayLike<number>) => row.reduce((a, v, i) => a + v * w[i], 0);
  const logp: number[] = [];
  const entropy: number[] = [];
  const values: number[] | undefined = vw ? [] : undefined;
  for (let t = Math.max(responseStart, 1); t < ids.length; t++) {
    const h = hidden[t - 1];
    if (head) {
      const logits = linear([h], head)[0].map((v) => v / temperature);
      const lsm = logSoftmax(logits);
      logp.push(lsm[ids[t]]);
      entropy.push(-lsm.reduce((a, l) => a + Math.exp(l) * l, 0));
    }
    if (values && vw) values.push(dot(h, vw.data) + (vb ? vb.data[0] : 0));
  }
  const score = sw && ids.length > 0 ? dot(hidden[ids.length - 1], sw.data) : undefined;
  return { logp, entropy, values, score };
}
