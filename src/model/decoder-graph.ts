/**
 * The Llama/Qwen2 decoder written once against the engine's graph API. The same builder serves the forward-only
 * log-prob graph, the training graph (forward + build-time backward) and the KV-cache decode graph.
 *
 * Layout: hidden states are kept 2-D, [B*S, D], so every projection is one GEMM against the HF-layout weight
 * ([out, in], transB). Attention is grouped-query without repeat_kv copies: queries are viewed as [B, KV, r, S, hd]
 * and keys/values as [B, KV, 1, ., hd], and MatMul broadcasts over r. Masks are additive ([B, 1, 1, S, K]: 0 or
 * -1e9), built in JS by `decoder-batch.ts`, which also lets one row carry a shared prompt followed by several
 * responses that do not see each other. Rotary embeddings come in as per-token cos and signed sin tables, so that
 * rotate_half(x) * sin == swap_halves(x) * [-sin, sin] needs only Slice + Concat.
 */
import { rmsNorm, swiglu, tokenLogprob, tokenLogprobEntropy } from "../engine/blocks.js";
import type { Graph, Value } from "../engine/graph.js";
import type { ModelConfig } from "./config.js";

/** Supplies the graph value of an HF-named parameter (a graph input, possibly transformed, e.g. by LoRA). */
export type WeightSource = (name: string) => Value;

/**
 * Rewrites the output y of a projection `module` (e.g. "model.layers.0.self_attn.q_proj") given its input x ([B*S, in])
 * - the activation-path LoRA branch, y + scale * B A dropout(x). Without one, the graph is the plain decoder.
 */
export type LinearAdapter = (module: string, x: Value, y: Value) => Value;

export interface DecoderGraphInputs {
  /** int64 [B, S] token ids */
  ids: Value;
  /** float [B, S, hd] cos(position * inv_freq) duplicated over both halves */
  cos: Value;
  /** float [B, S, hd] sin(...) with the first half negated */
  sin: Value;
  /** float [B, 1, 1, S, S] additive attention mask over this call's positions */
  mask: Value;
  /**
   * KV cache of earlier positions per layer: keys stored transposed, [B, KV, hd, C], values [B, KV, C, hd], with
   * `pastMask` [B, 1, 1, S, C] over the cache slots. The cache is attended in place (no concatenation with the new
   * keys, which would copy the whole cache in every layer at every decode step).
   */
  past?: { k: Value; v: Value }[];
  pastMask?: Value;
}

export interface DecoderGraphOutputs {
  /** float [B*S, D]: final-norm hidden states */
  hidden: Value;
  /** new keys/values per layer ([B, KV, S, hd]) for the KV cache */
  present: { k: Value; v: Value }[];
}

/**
 * softmax([scoresPast, scores]) @ [vPast; v] without concatenating the cache: only the (small) score rows are
 * concatenated, and the probabilities are split back into the cache part and the new part.
 * q5 [B,KV,r,S,hd]; scores [B,KV,r,S,S] (masked); past k [B,KV,hd,C], v [B,KV,C,hd].
 */
function cachedAttention(
  g: Graph,
  q5: Value,
  scores: Value,
  v5: Value,
  past: { k: Value; v: Value },
  pastMask: Value,
): Value {
  const scoresPast = g.add(g.matmul(q5, g.unsqueeze(past.k, [2])), pastMask); // [B,KV,r,S,C]
  const probs = g.softmax(g.concat([scoresPast, scores], -1), -1);
  const [pPast, pNew] = g.split(probs, [scoresPast.shape[4]!, scores.shape[4]!], -1);
  return g.add(g.matmul(pPast!, g.unsqueeze(past.v, [2])), g.matmul(pNew!, v5));
}

/** x [.., hd] -> x * cos + swap_halves(x) * signedSin */
function rotary(g: Graph, x: Value, cos: Value, sin: Value, hd: number): Value {
  const h = hd / 2;
  const last = x.rank - 1;
  const swapped = g.concat([g.slice(x, [h], [hd], [last]), g.slice(x, [0], [h], [last])], last);
  return g.add(g.mul(x, cos), g.mul(swapped, sin));
}

function linear(g: Graph, x: Value, w: WeightSource, name: string, bias: boolean, adapt?: LinearAdapter): Value {
  const y = g.gemm(x, w(`${name}.weight`), bias ? w(`${name}.bias`) : undefined, { transB: true });
  return adapt ? adapt(name, x, y) : y;
}

export function buildDecoder(
  g: Graph,
  cfg: ModelConfig,
  w: WeightSource,
  inp: DecoderGraphInputs,
  adapt?: LinearAdapter,
): DecoderGraphOutputs {
  const D = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const KV = cfg.num_key_value_heads;
  const hd = cfg.head_dim;
  const r = H / KV;
  const [B, S] = inp.ids.shape as [string, string];
  const BS = `${B}*${S}`;
  const eps = cfg.rms_norm_eps;

  let x = g.reshape(g.gather(w("model.embed_tokens.weight"), inp.ids, 0), [BS, D]);
  const cos4 = g.unsqueeze(inp.cos, [2]); // [B,S,1,hd]
  const sin4 = g.unsqueeze(inp.sin, [2]);
  const scale = g.scalar(1 / Math.sqrt(hd));
  const present: { k: Value; v: Value }[] = [];

  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const h = rmsNorm(g, x, w(`${p}.input_layernorm.weight`), eps);
    const q = linear(g, h, w, `${p}.self_attn.q_proj`, cfg.attention_bias, adapt);
    const k = linear(g, h, w, `${p}.self_attn.k_proj`, cfg.attention_bias, adapt);
    const v = linear(g, h, w, `${p}.self_attn.v_proj`, cfg.attention_bias, adapt);
    const q4 = rotary(g, g.reshape(g.mul(q, scale), [B, S, H, hd]), cos4, sin4, hd);
    const k4 = rotary(g, g.reshape(k, [B, S, KV, hd]), cos4, sin4, hd);
    const v4 = g.reshape(v, [B, S, KV, hd]);
    // [B,S,KV,r,hd] -> [B,KV,r,S,hd]
    const q5 = g.transpose(g.reshape(q4, [B, S, KV, r, hd]), [0, 2, 3, 1, 4]);
    const kT = g.transpose(k4, [0, 2, 1, 3]); // [B,KV,S,hd]
    const vT = g.transpose(v4, [0, 2, 1, 3]);
    present.push({ k: kT, v: vT });
    const kT5 = g.unsqueeze(g.transpose(kT, [0, 1, 3, 2]), [2]); // [B,KV,1,hd,S]
    const v5 = g.unsqueeze(vT, [2]); // [B,KV,1,S,hd]
    const scores = g.add(g.matmul(q5, kT5), inp.mask); // [B,KV,r,S,S]
    const past = inp.past?.[l];
    const attn = past ? cachedAttention(g, q5, scores, v5, past, inp.pastMask!) : g.matmul(g.softmax(scores, -1), v5); // [B,KV,r,S,hd]
    const merged = g.reshape(g.transpose(attn, [0, 3, 1, 2, 4]), [BS, H * hd]);
    x = g.add(x, linear(g, merged, w, `${p}.self_attn.o_proj`, cfg.o_proj_bias, adapt));

    const h2 = rmsNorm(g, x, w(`${p}.post_attention_layernorm.weight`), eps);
    const gate = linear(g, h2, w, `${p}.mlp.gate_proj`, cfg.mlp_bias, adapt);
    const up = linear(g, h2, w, `${p}.mlp.up_proj`, cfg.mlp_bias, adapt);
    const act = swiglu(g, gate, up);
    x = g.add(x, linear(g, act, w, `${p}.mlp.down_proj`, cfg.mlp_bias, adapt));
  }
  return { hidden: rmsNorm(g, x, w("model.norm.weight"), eps), present };
}

/** The LM-head matrix ([V, D]): the embedding when tied. */
export function lmHeadWeight(cfg: ModelConfig, w: WeightSource): Value {
  return w(cfg.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
}

/** Per-sequence response statistics of the LM head. */
export interface SequenceStats {
  /** [N] summed response log-probs (the differentiable quantity the losses use) */
  logpSum: Value;
  /**
   * [N] sum of the raw logits over the sequence's response positions and the whole vocabulary (TRL's
   * `logits/chosen` numerator). Only ever a graph output: no loss reads it, so it adds no gradient path.
   */
  logitsSum: Value;
}

/**
 * Per-sequence response log-prob sums. Only the R predicting rows are gathered before the LM head, so the head and
 * the log-softmax never run over prompt positions. `segments` [N, R] maps predicting rows to sequences.
 */
export function sequenceLogprobGraph(
  g: Graph,
  cfg: ModelConfig,
  w: WeightSource,
  hidden: Value,
  predIndex: Value,
  targets: Value,
  segments: Value,
): SequenceStats {
  const sel = g.gather(hidden, predIndex, 0); // [R, D]
  const logits = g.gemm(sel, lmHeadWeight(cfg, w), undefined, { transB: true }); // [R, V]
  const tok = tokenLogprob(g, logits, targets); // [R, 1]
  const n = segments.shape[0]!;
  const rowLogits = g.reduceSum(logits, [1], true); // [R, 1]
  return {
    logpSum: g.reshape(g.matmul(segments, tok), [n]),
    logitsSum: g.reshape(g.matmul(segments, rowLogits), [n]),
  };
}

// ---------------------------------------------------------------- heads of the online methods (reward model, PPO, GRPO)

/** transformers' `*ForSequenceClassification` head, `score = Linear(hidden, num_labels = 1, bias=False)`: a reward. */
export const SCORE_WEIGHT = "score.weight";
/** TRL's `AutoModelForCausalLMWithValueHead` head, `v_head.summary = Linear(hidden, 1)`: PPO's value per token. */
export const VALUE_HEAD_WEIGHT = "v_head.summary.weight";
export const VALUE_HEAD_BIAS = "v_head.summary.bias";

/** Shapes of the head parameters (HF / TRL names). */
export function headShapes(cfg: ModelConfig): Map<string, number[]> {
  const D = cfg.hidden_size;
  return new Map([
    [SCORE_WEIGHT, [1, D]],
    [VALUE_HEAD_WEIGHT, [1, D]],
    [VALUE_HEAD_BIAS, [1]],
  ]);
}

export interface TokenHeadOptions {
  logp: boolean;
  entropy: boolean;
  values: boolean;
  /** logits are divided by it before the log-softmax (TRL's PPO and GRPO trainers score at the sampling temperature) */
  temperature: number;
}

export interface TokenHeads {
  /** [R] log p(target | prefix) under softmax(logits / temperature) */
  logp?: Value;
  /** [R] entropy of that distribution (an output only: nothing differentiates it) */
  entropy?: Value;
  /** [R] the value head on the same final hidden state */
  values?: Value;
}

/**
 * Per-token heads at the R predicting rows (`predIndex` [R] into the [B*S, D] hidden states, `targets` [R, 1]):
 * the rows are gathered once for the LM head and the value head, and the LM head runs only there (as in
 * `sequenceLogprobGraph`). The temperature is Gemm's alpha, so it costs no extra node.
 */
export function tokenHeadsGraph(
  g: Graph,
  cfg: ModelConfig,
  w: WeightSource,
  hidden: Value,
  predIndex: Value,
  targets: Value | undefined,
  o: TokenHeadOptions,
): TokenHeads {
  const R = predIndex.shape[0]!;
  const sel = g.gather(hidden, predIndex, 0); // [R, D]
  const out: TokenHeads = {};
  if (o.logp || o.entropy) {
    if (!targets) throw new Error("tokenHeadsGraph: log-probs need targets");
    const logits = g.gemm(sel, lmHeadWeight(cfg, w), undefined, { transB: true, alpha: 1 / o.temperature }); // [R, V]
    if (o.entropy) {
      const { logp, entropy } = tokenLogprobEntropy(g, logits, targets);
      out.logp = g.reshape(logp, [R]);
      out.entropy = g.reshape(entropy, [R]);
    } else out.logp = g.reshape(tokenLogprob(g, logits, targets), [R]);
  }
  if (o.values) {
    const v = g.gemm(sel, w(VALUE_HEAD_WEIGHT), w(VALUE_HEAD_BIAS), { transB: true }); // [R, 1]
    out.values = g.reshape(v, [R]);
  }
  return out;
}

/** The score head at each sequence's last token (`lastIndex` [N] into the hidden rows): [N] rewards. */
export function scoreHeadGraph(g: Graph, w: WeightSource, hidden: Value, lastIndex: Value): Value {
  const sel = g.gather(hidden, lastIndex, 0); // [N, D]
  return g.reshape(g.gemm(sel, w(SCORE_WEIGHT), undefined, { transB: true }), [lastIndex.shape[0]!]);
}
