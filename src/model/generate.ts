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
import { CompiledGraph, type EngineOptions, type FeedValue, f32, type RunOutput } from "../engine/session.js";
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
  /** `generate`, plus per prompt the EOS id that ended it (undefined: stopped by max_new_tokens). */
  generateDetailed(prompts: Int32Array[], options: GenerateOptions): Promise<GenerateResult>;
}

export interface GenerateResult {
  /** generated ids, EOS excluded (what `generate` returns) */
  tokens: Int32Array[];
  /** the EOS id sampled last, or undefined when the row ran out of max_new_tokens */
  stops: (number | undefined)[];
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
  const model = await compileDecodeGraph(config, weights, options);
  const generateDetailed = async (prompts: Int32Array[], opts: GenerateOptions): Promise<GenerateResult> => {
    if (prompts.length === 0) return { tokens: [], stops: [] };
    if (prompts.some((p) => p.length < 1)) throw new Error("generate: empty prompt");
    if (opts.max_new_tokens <= 0)
      return { tokens: prompts.map(() => new Int32Array(0)), stops: prompts.map(() => undefined) };
    const batch = new DecodeBatch(model, prompts, opts);
    let next = batch.choose(await batch.run(prefillStep(batch, prompts)));
    while (batch.rows.length > 0) {
      const logits = await batch.run(decodeStep(batch, next));
      batch.advance();
      next = batch.choose(logits);
    }
    return { tokens: batch.outputs.map((o) => Int32Array.from(o)), stops: batch.stops };
  };
  return {
    generateDetailed,
    async generate(prompts, opts) {
      return (await generateDetailed(prompts, opts)).tokens;
    },
  };
}

/** The compiled decode graph (prefill and one-token steps alike) and the feeds every call shares. */
interface DecodeModel {
  config: ModelConfig;
  compiled: CompiledGraph;
  weightFeeds: Record<string, FeedValue>;
  /** rotary inverse frequencies */
  inv: Float64Array;
}

/**
 * The decoder over S new positions per row with the cache as `past`: outputs the next-token logits at each row's
 * `last_index` and the new positions' keys/values (`present_*`).
 */
async function compileDecodeGraph(config: ModelConfig, weights: Weights, options: EngineOptions): Promise<DecodeModel> {
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
  return { config, compiled, weightFeeds, inv: inverseFrequencies(config) };
}

/** One graph call's inputs: S new positions per row; masks [B, S, S] over them and [B, S, C] over the cache. */
interface GraphStep {
  S: number;
  tokenIds: BigInt64Array;
  mask: Float32Array;
  pastMask: Float32Array;
  lastIndex: BigInt64Array;
}

/** One generate() call: the active rows, their positions, outputs and samplers, and the KV cache. */
class DecodeBatch {
  readonly outputs: number[][];
  /** Per prompt: the EOS id that ended it (undefined while running, or when max_new_tokens ended it). */
  readonly stops: (number | undefined)[];
  /** Batch slot -> prompt index; finished rows are dropped from the batch (and their cache rows compacted away). */
  rows: number[];
  /** Per prompt: the position (cache slot) of its next token. */
  readonly pos: number[];
  /** Longest prompt + max_new_tokens: the cache's slots per row. */
  readonly C: number;
  private readonly rowSize: number;
  private cacheK: Float32Array[];
  private cacheV: Float32Array[];
  private readonly done: boolean[];
  private readonly rands: (() => number)[];
  private readonly temperature: number;
  private readonly topP: number;
  private readonly eos: Set<number>;

  constructor(
    private readonly model: DecodeModel,
    prompts: Int32Array[],
    private readonly opts: GenerateOptions,
  ) {
    const { config } = model;
    this.temperature = opts.temperature ?? 0;
    this.topP = opts.top_p ?? 1;
    this.eos = new Set(opts.eos_token_ids ?? []);
    this.outputs = prompts.map(() => []);
    this.stops = prompts.map(() => undefined);
    this.pos = prompts.map((p) => p.length);
    this.C = Math.max(...this.pos) + opts.max_new_tokens;
    this.rands = prompts.map((_, i) => mulberry32(((opts.seed ?? 0) * 1000003 + i * 7919 + 1) >>> 0));
    this.done = new Array<boolean>(prompts.length).fill(false);
    this.rows = prompts.map((_, i) => i);
    this.rowSize = config.num_key_value_heads * this.C * config.head_dim;
    const layers = config.num_hidden_layers;
    this.cacheK = Array.from({ length: layers }, () => new Float32Array(this.rows.length * this.rowSize));
    this.cacheV = Array.from({ length: layers }, () => new Float32Array(this.rows.length * this.rowSize));
  }

  /** Run the graph on `step`, store the new keys/values in the cache; returns the logits [B, V]. */
  async run(step: GraphStep): Promise<Float32Array> {
    const { S } = step;
    const { config, inv } = this.model;
    const hd = config.head_dim;
    const KV = config.num_key_value_heads;
    const C = this.C;
    const B = this.rows.length;
    const c = new Float32Array(B * S * hd);
    const s = new Float32Array(B * S * hd);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < S; t++) writeRotary(inv, S === 1 ? this.pos[this.rows[b]!]! : t, c, s, (b * S + t) * hd);
    const feeds: Record<string, FeedValue> = {
      ...this.model.weightFeeds,
      input_ids: { dtype: "int64", data: step.tokenIds, dims: [B, S] },
      rope_cos: f32(c, [B, S, hd]),
      rope_sin: f32(s, [B, S, hd]),
      attention_mask: f32(step.mask, [B, 1, 1, S, S]),
      past_attention_mask: f32(step.pastMask, [B, 1, 1, S, C]),
      last_index: { dtype: "int64", data: step.lastIndex, dims: [B] },
    };
    for (let l = 0; l < config.num_hidden_layers; l++) {
      feeds[`past_key.${l}`] = f32(this.cacheK[l]!, [B, KV, hd, C]);
      feeds[`past_value.${l}`] = f32(this.cacheV[l]!, [B, KV, C, hd]);
    }
    const out = await this.model.compiled.run(feeds);
    this.store(out, S);
    return out.logits!.data as Float32Array;
  }

  /** Store the new keys/values at their positions' slots (keys transposed: slot is the last axis). */
  private store(out: Record<string, RunOutput>, S: number): void {
    const { config } = this.model;
    const hd = config.head_dim;
    const KV = config.num_key_value_heads;
    const C = this.C;
    const B = this.rows.length;
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const newK = out[`present_key.${l}`]!.data as Float32Array;
      const newV = out[`present_value.${l}`]!.data as Float32Array;
      const kc = this.cacheK[l]!;
      const vc = this.cacheV[l]!;
      for (let b = 0; b < B; b++)
        for (let h = 0; h < KV; h++) {
          const head = (b * KV + h) * C * hd;
          for (let t = 0; t < S; t++) {
            const slot = S === 1 ? this.pos[this.rows[b]!]! : t;
            const from = ((b * KV + h) * S + t) * hd;
            vc.set(newV.subarray(from, from + hd), head + slot * hd);
            for (let d = 0; d < hd; d++) kc[head + d * C + slot] = newK[from + d]!;
          }
        }
    }
  }

  /** After a one-token step: every active row's next token goes one position further. */
  advance(): void {
    for (const i of this.rows) this.pos[i]!++;
  }

  /** Pick each active row's token; returns the tokens of the rows still active afterwards. */
  choose(logits: Float32Array): number[] {
    const V = this.model.config.vocab_size;
    const next: number[] = [];
    const keep: number[] = [];
    this.rows.forEach((i, b) => {
      const tok = pickToken(logits.subarray(b * V, (b + 1) * V), this.temperature, this.topP, this.rands[i]!);
      if (this.eos.has(tok)) {
        this.done[i] = true;
        this.stops[i] = tok;
      } else {
        this.outputs[i]!.push(tok);
        if (this.outputs[i]!.length >= this.opts.max_new_tokens) this.done[i] = true;
      }
      if (!this.done[i]) {
        keep.push(b);
        next.push(tok);
      }
    });
    if (keep.length < this.rows.length) this.compact(keep);
    return next;
  }

  /** Keep only the batch slots `keep` (finished rows leave the batch and the cache). */
  private compact(keep: number[]): void {
    const rowSize = this.rowSize;
    const compact = (cache: Float32Array) => {
      const out = new Float32Array(keep.length * rowSize);
      keep.forEach((b, k) => {
        out.set(cache.subarray(b * rowSize, (b + 1) * rowSize), k * rowSize);
      });
      return out;
    };
    this.cacheK = this.cacheK.map(compact);
    this.cacheV = this.cacheV.map(compact);
    this.rows = keep.map((b) => this.rows[b]!);
  }
}

/** Prefill: right-padded prompts attend causally among themselves; the (empty) cache is fully masked. */
function prefillStep(batch: DecodeBatch, prompts: Int32Array[]): GraphStep {
  const B0 = batch.rows.length;
  const lens = prompts.map((p) => p.length);
  const P = Math.max(...lens);
  const C = batch.C;
  const tokenIds = new BigInt64Array(B0 * P);
  const mask = new Float32Array(B0 * P * P).fill(MASKED);
  const pastMask = new Float32Array(B0 * P * C).fill(MASKED);
  const lastIndex = new BigInt64Array(B0);
  for (let b = 0; b < B0; b++) {
    for (let t = 0; t < lens[b]!; t++) tokenIds[b * P + t] = BigInt(prompts[b]![t]!);
    for (let i = 0; i < P; i++) {
      const row = (b * P + i) * P;
      if (i >= lens[b]!) mask[row + i] = 0;
      else for (let j = 0; j <= i; j++) mask[row + j] = 0;
    }
    lastIndex[b] = BigInt(b * P + lens[b]! - 1);
  }
  return { S: P, tokenIds, mask, pastMask, lastIndex };
}

/** One new token per active row: it sees itself and its row's filled cache slots. */
function decodeStep(batch: DecodeBatch, next: number[]): GraphStep {
  const B = batch.rows.length;
  const C = batch.C;
  const pastMask = new Float32Array(B * C).fill(MASKED);
  for (let b = 0; b < B; b++) pastMask.fill(0, b * C, b * C + batch.pos[batch.rows[b]!]!);
  return {
    S: 1,
    tokenIds: BigInt64Array.from(next, (t) => BigInt(t)),
    mask: new Float32Array(B), // each new token sees itself
    pastMask,
    lastIndex: BigInt64Array.from(batch.rows, (_, b) => BigInt(b)),
  };
}
