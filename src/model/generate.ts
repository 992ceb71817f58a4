/**
 * Batched generation with a KV cache on the decode graph.
 *
 * The cache lives in JS as one buffer per layer and per K/V (C = longest prompt + max_new_tokens; keys [B, KV, hd, C],
 * transposed so the graph multiplies by them in place, values [B, KV, C, hd]); it is passed to the graph zero-copy
 * as `past` and the graph returns only the new keys/values (outputs are copied
 * by the Node binding, so returning the whole cache every step would cost O(C) per step). Slot t of a row holds
 * position t of that row; the additive mask lets a row see exactly its own filled slots, so a sequence's output does
 * not depend on its batch companions (prompts of different lengths are right-padded during the prefill; the padded
 * slots are overwritten by the row's own generated tokens before they become visible).
 */
import { Graph, type Value } from "../engine/graph.js";
import { CompiledGraph, type EngineOptions, type FeedValue, f32 } from "../engine/session.js";
import { mulberry32 } from "../util/random.js";
import type { ModelConfig } from "./config.js";
import { inverseFrequencies, MASKED, writeRotary } from "./decoder-batch.js";
import { buildDecoder, lmHeadWeight } from "./decoder-graph.js";
import type { Weights } from "./weights.js";

export interface GenerateOptions {
  max_new_tokens: number;
  /** 0 (default) = greedy */
  temperature?: number;
  top_p?: number;
  seed?: number;
  eos_token_ids?: number[];
}

export interface Generator {
  generate(prompts: Int32Array[], options: GenerateOptions): Promise<Int32Array[]>;
}

/** Pick the next token from one row of logits: argmax when temperature is 0, else nucleus sampling. */
export function pickToken(logits: Float32Array, temperature: number, topP: number, rand: () => number): number {
  if (!(temperature > 0)) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += probs[i] = Math.exp((logits[i]! - max) / temperature);
  // Nucleus: the smallest set of most probable tokens whose mass reaches top_p, found as a probability threshold
  // (a numeric typed-array sort, fast enough for 150k-token vocabularies at every step).
  let threshold = 0;
  if (topP < 1) {
    const sorted = Float64Array.from(probs).sort();
    let cum = 0;
    for (let k = sorted.length - 1; k >= 0; k--) {
      cum += sorted[k]! / total;
      threshold = sorted[k]!;
      if (cum >= topP) break;
    }
  }
  let mass = 0;
  for (const p of probs) if (p >= threshold) mass += p;
  let u = rand() * mass;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p < threshold || p === 0) continue;
    last = i;
    u -= p;
    if (u <= 0) return i;
  }
  return last;
}

export async function createGenerator(
  config: ModelConfig,
  weights: Weights,
  options: EngineOptions = {},
): Promise<Generator> {
  const g = new Graph("decode");
  const hd = config.head_dim;
  const KV = config.num_key_value_heads;
  const L = config.num_hidden_layers;
  const declared = new Map<string, Value>();
  const wsrc = (name: string): Value => {
    const t = weights.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    let v = declared.get(name);
    if (!v) {
      v = g.input(name, "float32", [...t.shape]);
      declared.set(name, v);
    }
    return v;
  };
  const ids = g.input("input_ids", "int64", ["B", "S"]);
  const cos = g.input("rope_cos", "float32", ["B", "S", hd]);
  const sin = g.input("rope_sin", "float32", ["B", "S", hd]);
  const mask = g.input("attention_mask", "float32", ["B", 1, 1, "S", "S"]);
  const pastMask = g.input("past_attention_mask", "float32", ["B", 1, 1, "S", "C"]);
  const lastIndex = g.input("last_index", "int64", ["B"]);
  const past = Array.from({ length: L }, (_, l) => ({
    k: g.input(`past_key.${l}`, "float32", ["B", KV, hd, "C"]),
    v: g.input(`past_value.${l}`, "float32", ["B", KV, "C", hd]),
  }));
  const { hidden, present } = buildDecoder(g, config, wsrc, { ids, cos, sin, mask, past, pastMask });
  const last = g.gather(hidden, lastIndex, 0);
  g.output("logits", g.gemm(last, lmHeadWeight(config, wsrc), undefined, { transB: true }));
  present.forEach((p, l) => {
    g.output(`present_key.${l}`, p.k);
    g.output(`present_value.${l}`, p.v);
  });
  const compiled = await CompiledGraph.create(g, options);
  const weightFeeds: Record<string, FeedValue> = {};
  for (const [name, v] of declared) weightFeeds[name] = f32(weights.get(name)!.data, v.shape as number[]);
  const inv = inverseFrequencies(config);
  const V = config.vocab_size;

  return {
    async generate(prompts, opts) {
      if (prompts.length === 0) return [];
      const maxNew = opts.max_new_tokens;
      const temperature = opts.temperature ?? 0;
      const topP = opts.top_p ?? 1;
      const eos = new Set(opts.eos_token_ids ?? []);
      const lens = prompts.map((p) => p.length);
      if (lens.some((n) => n < 1)) throw new Error("generate: empty prompt");
      const outputs: number[][] = prompts.map(() => []);
      if (maxNew <= 0) return outputs.map((o) => Int32Array.from(o));
      const P = Math.max(...lens);
      const C = P + maxNew;
      const rands = prompts.map((_, i) => mulberry32(((opts.seed ?? 0) * 1000003 + i * 7919 + 1) >>> 0));
      const done = new Array<boolean>(prompts.length).fill(false);
      const pos = [...lens];
      // Batch slot -> prompt index; finished rows are dropped from the batch (and their cache rows compacted away).
      let rows = prompts.map((_, i) => i);
      const rowSize = KV * C * hd;
      let cacheK = Array.from({ length: L }, () => new Float32Array(rows.length * rowSize));
      let cacheV = Array.from({ length: L }, () => new Float32Array(rows.length * rowSize));

      /** One graph call over S new positions per row; masks: [B, S, S] over them and [B, S, C] over the cache. */
      const run = async (
        S: number,
        tokenIds: BigInt64Array,
        maskData: Float32Array,
        pastMaskData: Float32Array,
        lastIdx: BigInt64Array,
      ) => {
        const B = rows.length;
        const c = new Float32Array(B * S * hd);
        const s = new Float32Array(B * S * hd);
        for (let b = 0; b < B; b++)
          for (let t = 0; t < S; t++) writeRotary(inv, S === 1 ? pos[rows[b]!]! : t, c, s, (b * S + t) * hd);
        const feeds: Record<string, FeedValue> = {
          ...weightFeeds,
          input_ids: { dtype: "int64", data: tokenIds, dims: [B, S] },
          rope_cos: f32(c, [B, S, hd]),
          rope_sin: f32(s, [B, S, hd]),
          attention_mask: f32(maskData, [B, 1, 1, S, S]),
          past_attention_mask: f32(pastMaskData, [B, 1, 1, S, C]),
          last_index: { dtype: "int64", data: lastIdx, dims: [B] },
        };
        for (let l = 0; l < L; l++) {
          feeds[`past_key.${l}`] = f32(cacheK[l]!, [B, KV, hd, C]);
          feeds[`past_value.${l}`] = f32(cacheV[l]!, [B, KV, C, hd]);
        }
        const out = await compiled.run(feeds);
        // Store the new keys/values at their positions' slots (keys transposed: slot is the last axis).
        for (let l = 0; l < L; l++) {
          const newK = out[`present_key.${l}`]!.data as Float32Array;
          const newV = out[`present_value.${l}`]!.data as Float32Array;
          const kc = cacheK[l]!;
          const vc = cacheV[l]!;
          for (let b = 0; b < B; b++)
            for (let h = 0; h < KV; h++) {
              const head = (b * KV + h) * C * hd;
              for (let t = 0; t < S; t++) {
                const slot = S === 1 ? pos[rows[b]!]! : t;
                const from = ((b * KV + h) * S + t) * hd;
                vc.set(newV.subarray(from, from + hd), head + slot * hd);
                for (let d = 0; d < hd; d++) kc[head + d * C + slot] = newK[from + d]!;
              }
            }
        }
        return out.logits!.data as Float32Array;
      };

      /** Pick each active row's token; returns the tokens of the rows still active afterwards. */
      const chooseAll = (logits: Float32Array): number[] => {
        const next: number[] = [];
        const keep: number[] = [];
        rows.forEach((i, b) => {
          const tok = pickToken(logits.subarray(b * V, (b + 1) * V), temperature, topP, rands[i]!);
          if (eos.has(tok)) done[i] = true;
          else {
            outputs[i]!.push(tok);
            if (outputs[i]!.length >= maxNew) done[i] = true;
          }
          if (!done[i]) {
            keep.push(b);
            next.push(tok);
          }
        });
        if (keep.length < rows.length) {
          const compact = (cache: Float32Array) => {
            const out = new Float32Array(keep.length * rowSize);
            keep.forEach((b, k) => {
              out.set(cache.subarray(b * rowSize, (b + 1) * rowSize), k * rowSize);
            });
            return out;
          };
          cacheK = cacheK.map(compact);
          cacheV = cacheV.map(compact);
          rows = keep.map((b) => rows[b]!);
        }
        return next;
      };

      // Prefill: right-padded prompts attend causally among themselves; the (empty) cache is fully masked.
      const B0 = rows.length;
      const prefIds = new BigInt64Array(B0 * P);
      const prefMask = new Float32Array(B0 * P * P).fill(MASKED);
      const prefPastMask = new Float32Array(B0 * P * C).fill(MASKED);
      const prefLast = new BigInt64Array(B0);
      for (let b = 0; b < B0; b++) {
        for (let t = 0; t < lens[b]!; t++) prefIds[b * P + t] = BigInt(prompts[b]![t]!);
        for (let i = 0; i < P; i++) {
          const row = (b * P + i) * P;
          if (i >= lens[b]!) prefMask[row + i] = 0;
          else for (let j = 0; j <= i; j++) prefMask[row + j] = 0;
        }
        prefLast[b] = BigInt(b * P + lens[b]! - 1);
      }
      let next = chooseAll(await run(P, prefIds, prefMask, prefPastMask, prefLast));

      while (rows.length > 0) {
        const B = rows.length;
        const stepIds = BigInt64Array.from(next, (t) => BigInt(t));
        const stepMask = new Float32Array(B); // each new token sees itself
        const stepPastMask = new Float32Array(B * C).fill(MASKED);
        for (let b = 0; b < B; b++) stepPastMask.fill(0, b * C, b * C + pos[rows[b]!]!);
        const logits = await run(
          1,
          stepIds,
          stepMask,
          stepPastMask,
          BigInt64Array.from(rows, (_, b) => BigInt(b)),
        );
        for (const i of rows) pos[i]!++;
        next = chooseAll(logits);
      }
      return outputs.map((o) => Int32Array.from(o));
    },
  };
}
