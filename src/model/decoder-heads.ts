/**
 * Per-token log-probs, the value head and the score head on the decoder (the online methods: reward model, PPO,
 * GRPO). The decoder is the one `buildDecoder` of decoder-graph.ts; these entry points add heads to it instead of
 * the per-sequence log-prob sums:
 *
 *   createHeadsRunner(config, { heads, temperature, ... }) -> HeadsRunner        (forward only)
 *     runner.run(weights, { ids, responseStart })
 *       -> { logp?: Float32Array[], entropy?: Float32Array[], values?: Float32Array[], score?: Float64Array }
 *     logp[i][k] = log p(ids[i][t] | ids[i][<t]) under softmax(logits / temperature), t = max(responseStart[i], 1) + k;
 *     values[i][k] = v_head(h[t - 1]) (the state that predicts token t, as TRL's PPO reads values[:, context-1:-1]);
 *     score[i] = score(h[last token of sequence i]) (transformers' *ForSequenceClassification at the last token).
 *
 *   createHeadsTrainingStep(config, { heads, loss, trainable, ... }) -> HeadsTrainingStep
 *     step.run(weights, { ids, responseStart, tokenInputs?, sequenceInputs?, scalars?, dropout? })
 *       -> { loss, logp?, entropy?, values?, score?, grads }
 *     `loss(g, ctx)` builds a scalar from the heads ([R] per token, [N] per sequence) and inputs fed per token
 *     (`ctx.tokenInput(name)`, one Float32Array per sequence with one value per scored token), per sequence
 *     (`ctx.sequenceInput`) or as scalars (`ctx.scalarInput`); `ctx.stopGradient(x)` is x as a constant.
 *
 * Sequences that share a prompt are packed into one row (GRPO's num_generations completions of a prompt compute the
 * prompt once), exactly as the log-prob runner does; the packer's `predOwner` maps the [R] rows back to sequences.
 */
import { gradients } from "../engine/autodiff.js";
import { Graph, type Value } from "../engine/graph.js";
import { CompiledGraph, type EngineOptions, type FeedValue, f32 } from "../engine/session.js";
import type { ModelConfig } from "./config.js";
import { parameterShapes, WeightInputs, weightFeed } from "./decoder.js";
import { type PackedBatch, packBatch, planRows, rowLength, type SequenceInput } from "./decoder-batch.js";
import { buildDecoder, headShapes, scoreHeadGraph, tokenHeadsGraph } from "./decoder-graph.js";
import type { LinearAdapterFactory, TransformWeight } from "./decoder-lora.js";
import { dropoutStream, sequenceTokenKeys } from "./lora-dropout.js";
import type { Weights } from "./weights.js";

export interface HeadsSpec {
  /** per-token log-probs of the sequence's own tokens */
  logp?: boolean;
  /** per-token entropy of the next-token distribution (diagnostics) */
  entropy?: boolean;
  /** per-token value head (`v_head.summary.weight` [1, D], `v_head.summary.bias` [1]) */
  values?: boolean;
  /** per-sequence score head at the last token (`score.weight` [1, D]) */
  score?: boolean;
  /** logits / temperature before the log-softmax (default 1) */
  temperature?: number;
}

export interface HeadsOutput {
  logp?: Float32Array[];
  entropy?: Float32Array[];
  values?: Float32Array[];
  score?: Float64Array;
}

export interface SequenceBatch {
  ids: Int32Array[];
  responseStart: number[];
}

/** Scored tokens of a sequence: t = max(responseStart, 1) .. length - 1. */
export function scoredTokens(ids: Int32Array, responseStart: number): number {
  return Math.max(0, ids.length - Math.max(responseStart, 1));
}

const TOKEN_OUTPUTS = ["logp", "entropy", "values"] as const;

interface HeadGraph {
  g: Graph;
  wi: WeightInputs;
  heads: { logp?: Value; entropy?: Value; values?: Value; score?: Value };
  usesPred: boolean;
  usesTargets: boolean;
  usesLast: boolean;
  dropoutKeys?: Value;
}

function buildHeads(
  name: string,
  config: ModelConfig,
  spec: HeadsSpec,
  transformWeight?: TransformWeight,
  adaptLinear?: LinearAdapterFactory,
): HeadGraph {
  const g = new Graph(name);
  const shapes = new Map([...parameterShapes(config), ...headShapes(config)]);
  const wi = new WeightInputs(g, shapes, transformWeight);
  const hd = config.head_dim;
  const ids = g.input("input_ids", "int64", ["B", "S"]);
  const cos = g.input("rope_cos", "float32", ["B", "S", hd]);
  const sin = g.input("rope_sin", "float32", ["B", "S", hd]);
  const mask = g.input("attention_mask", "float32", ["B", 1, 1, "S", "S"]);
  const usesTargets = spec.logp === true || spec.entropy === true;
  const usesPred = usesTargets || spec.values === true;
  const usesLast = spec.score === true;
  if (!usesPred && !usesLast) throw new Error("heads: ask for at least one of logp, entropy, values, score");
  const predIndex = usesPred ? g.input("pred_index", "int64", ["R"]) : undefined;
  const targets = usesTargets ? g.input("target_ids", "int64", ["R", 1]) : undefined;
  const lastIndex = usesLast ? g.input("last_index", "int64", ["N"]) : undefined;
  let dropoutKeys: Value | undefined;
  const adapt = adaptLinear?.({
    g,
    param: wi.param,
    dropoutKeys: () => {
      dropoutKeys ??= g.reshape(g.input("dropout_keys", "int64", ["B", "S"]), ["B*S", 1]);
      return dropoutKeys;
    },
  });
  const { hidden } = buildDecoder(g, config, wi.source, { ids, cos, sin, mask }, adapt);
  const heads: HeadGraph["heads"] = {};
  if (predIndex) {
    Object.assign(
      heads,
      tokenHeadsGraph(g, config, wi.source, hidden, predIndex, targets, {
        logp: spec.logp === true,
        entropy: spec.entropy === true,
        values: spec.values === true,
        temperature: spec.temperature ?? 1,
      }),
    );
  }
  if (lastIndex) heads.score = scoreHeadGraph(g, wi.source, hidden, lastIndex);
  return { g, wi, heads, usesPred, usesTargets, usesLast, dropoutKeys };
}

function packedFeeds(config: ModelConfig, packed: PackedBatch, hg: HeadGraph): Record<string, FeedValue> {
  const { rows, width, predictions: R, sequences: N } = packed;
  const hd = config.head_dim;
  const feeds: Record<string, FeedValue> = {
    input_ids: { dtype: "int64", data: packed.ids, dims: [rows, width] },
    rope_cos: f32(packed.cos, [rows, width, hd]),
    rope_sin: f32(packed.sin, [rows, width, hd]),
    attention_mask: f32(packed.mask, [rows, 1, 1, width, width]),
  };
  if (hg.usesPred) feeds.pred_index = { dtype: "int64", data: packed.predIndex, dims: [R] };
  if (hg.usesTargets) feeds.target_ids = { dtype: "int64", data: packed.targets, dims: [R, 1] };
  if (hg.usesLast) feeds.last_index = { dtype: "int64", data: packed.lastIndex, dims: [N] };
  if (packed.keys) feeds.dropout_keys = { dtype: "int64", data: packed.keys, dims: [rows, width] };
  return feeds;
}

/** First prediction row of each sequence in the packed [R] order. */
function predStarts(packed: PackedBatch): Int32Array {
  const start = new Int32Array(packed.sequences).fill(-1);
  packed.predOwner.forEach((n, j) => {
    if (start[n] === -1) start[n] = j;
  });
  return start;
}

/** [R] per-token values -> one array per sequence. */
function splitTokens(packed: PackedBatch, data: Float32Array): Float32Array[] {
  const start = predStarts(packed);
  return Array.from(packed.counts, (c, n) =>
    c === 0 ? new Float32Array(0) : Float32Array.from(data.subarray(start[n]!, start[n]! + c)),
  );
}

/** One array per sequence -> the [R] layout of the packed batch (lengths checked). */
function joinTokens(packed: PackedBatch, name: string, perSeq: readonly ArrayLike<number>[]): Float32Array {
  if (perSeq.length !== packed.sequences)
    throw new Error(`token input ${name}: ${perSeq.length} sequences, batch has ${packed.sequences}`);
  const start = predStarts(packed);
  const out = new Float32Array(Math.max(packed.predictions, 0));
  perSeq.forEach((arr, n) => {
    if (arr.length !== packed.counts[n])
      throw new Error(`token input ${name}: sequence ${n} has ${arr.length} values for ${packed.counts[n]} tokens`);
    for (let k = 0; k < arr.length; k++) out[start[n]! + k] = arr[k]!;
  });
  return out;
}

function toSequences(batch: SequenceBatch): SequenceInput[] {
  if (batch.ids.length !== batch.responseStart.length) throw new Error("ids and responseStart differ in length");
  return batch.ids.map((ids, i) => ({ ids, responseStart: batch.responseStart[i]! }));
}

// ---------------------------------------------------------------- forward only

export interface HeadsRunnerOptions extends EngineOptions, HeadsSpec {
  transformWeight?: TransformWeight;
  /** activation-path LoRA (decoder-lora.ts `loraBranch` without dropout: the adapters read unmerged) */
  adaptLinear?: LinearAdapterFactory;
  /** pack sequences that share a prompt into one row (default true) */
  sharePrompts?: boolean;
  /** upper bound on padded tokens per ORT run (default 8192) */
  maxBatchTokens?: number;
}

export interface HeadsRunner {
  run(weights: Weights, batch: SequenceBatch): Promise<HeadsOutput>;
}

export async function createHeadsRunner(config: ModelConfig, options: HeadsRunnerOptions): Promise<HeadsRunner> {
  const hg = buildHeads("heads", config, options, options.transformWeight, options.adaptLinear);
  if (hg.dropoutKeys) throw new Error("a forward-only runner takes no LoRA dropout");
  const outputs: string[] = [];
  for (const k of [...TOKEN_OUTPUTS, "score"] as const) {
    const v = hg.heads[k];
    if (v) {
      hg.g.output(k, v);
      outputs.push(k);
    }
  }
  const compiled = await CompiledGraph.create(hg.g, options);
  const share = options.sharePrompts ?? true;
  const budget = options.maxBatchTokens ?? 8192;
  return {
    async run(weights, batch) {
      const seqs = toSequences(batch);
      const result: HeadsOutput = {};
      for (const k of TOKEN_OUTPUTS) if (hg.heads[k]) result[k] = new Array<Float32Array>(seqs.length);
      if (hg.heads.score) result.score = new Float64Array(seqs.length);
      const weightFeeds: Record<string, FeedValue> = {};
      for (const [name, v] of hg.wi.params) weightFeeds[name] = weightFeed(weights, name, v.shape as number[]);
      const plans = planRows(seqs, share).sort((p, q) => rowLength(q, seqs) - rowLength(p, seqs));
      let i = 0;
      while (i < plans.length) {
        const width = rowLength(plans[i]!, seqs);
        let j = i + 1;
        while (j < plans.length && (j - i + 1) * width <= budget) j++;
        const members = plans.slice(i, j).flatMap((p) => p.members);
        const packed = packBatch(
          config,
          members.map((k) => seqs[k]!),
          planRows(
            members.map((k) => seqs[k]!),
            share,
          ),
        );
        const empty = packed.predictions === 0 && !hg.usesLast;
        const out = empty ? {} : await compiled.run({ ...weightFeeds, ...packedFeeds(config, packed, hg) }, outputs);
        for (const k of TOKEN_OUTPUTS) {
          if (!result[k]) continue;
          const parts =
            packed.predictions === 0
              ? members.map(() => new Float32Array(0))
              : splitTokens(packed, out[k]!.data as Float32Array);
          members.forEach((m, n) => {
            result[k]![m] = parts[n]!;
          });
        }
        if (result.score) {
          const s = out.score!.data as Float32Array;
          members.forEach((m, n) => {
            result.score![m] = s[n]!;
          });
        }
        i = j;
      }
      return result;
    },
  };
}

// ---------------------------------------------------------------- training step

/** What a loss over the heads sees (structurally typed by the train layer's online losses). */
export interface HeadsLossContext {
  /** [R] per-token log-probs (when spec.logp) */
  logp?: Value;
  /** [R] per-token values (when spec.values) */
  values?: Value;
  /** [N] scores (when spec.score) */
  score?: Value;
  /** [R] float input, fed per sequence from `tokenInputs[name]` (one value per scored token) */
  tokenInput(name: string): Value;
  /** [N] float input fed from `sequenceInputs[name]` */
  sequenceInput(name: string): Value;
  /** [1] float input fed from `scalars[name]` */
  scalarInput(name: string): Value;
  /** `x` as a constant for differentiation (its value, no gradient flows through it) */
  stopGradient(x: Value): Value;
}

export interface HeadsTrainingStepOptions extends EngineOptions, HeadsSpec {
  trainable: (name: string) => boolean;
  loss: (g: Graph, ctx: HeadsLossContext) => Value;
  transformWeight?: TransformWeight;
  adaptLinear?: LinearAdapterFactory;
  sharePrompts?: boolean;
}

export interface HeadsTrainingBatch extends SequenceBatch {
  tokenInputs?: Record<string, readonly ArrayLike<number>[]>;
  sequenceInputs?: Record<string, ArrayLike<number>>;
  scalars?: Record<string, number>;
  /** the dropout masks' (seed, optimizer step): required when the graph has LoRA dropout */
  dropout?: { seed: number; step: number };
}

export interface HeadsTrainingResult extends HeadsOutput {
  loss: number;
  grads: Map<string, Float32Array>;
  /** scored tokens per sequence */
  count: Int32Array;
}

export interface HeadsTrainingStep {
  readonly trainableNames: string[];
  run(weights: Weights, batch: HeadsTrainingBatch): Promise<HeadsTrainingResult>;
}

export async function createHeadsTrainingStep(
  config: ModelConfig,
  opts: HeadsTrainingStepOptions,
): Promise<HeadsTrainingStep> {
  const hg = buildHeads("heads-train", config, opts, opts.transformWeight, opts.adaptLinear);
  const { g } = hg;
  const tokenInputs: string[] = [];
  const sequenceInputs: string[] = [];
  const scalarInputs: string[] = [];
  const declare = (list: string[], name: string, dims: (string | number)[]) => {
    const existing = g.inputs.find((v) => v.name === name);
    if (existing) return existing;
    list.push(name);
    return g.input(name, "float32", dims);
  };
  const ctx: HeadsLossContext = {
    logp: hg.heads.logp,
    values: hg.heads.values,
    score: hg.heads.score,
    tokenInput: (name) => {
      if (!hg.usesPred) throw new Error("token inputs need a per-token head");
      return declare(tokenInputs, name, ["R"]);
    },
    sequenceInput: (name) => {
      if (!hg.usesLast) throw new Error("sequence inputs need the score head");
      return declare(sequenceInputs, name, ["N"]);
    },
    scalarInput: (name) => declare(scalarInputs, name, [1]),
    stopGradient: (x) => g.withGradient(g.identity(x), [x], () => [undefined]),
  };
  const loss = opts.loss(g, ctx);
  const trainable = [...hg.wi.params.entries()].filter(([name]) => opts.trainable(name));
  if (trainable.length === 0) throw new Error("no trainable parameters selected");
  const grads = gradients(
    g,
    loss,
    trainable.map(([, v]) => v),
  );
  g.output("loss", loss);
  for (const k of [...TOKEN_OUTPUTS, "score"] as const) {
    const v = hg.heads[k];
    if (v) g.output(k, v);
  }
  trainable.forEach(([name], i) => {
    g.output(`grad:${name}`, grads[i]!);
  });
  const compiled = await CompiledGraph.create(g, { memoryPattern: false, ...opts });
  const share = opts.sharePrompts ?? true;

  return {
    trainableNames: trainable.map(([n]) => n),
    async run(weights, batch) {
      const seqs = toSequences(batch);
      let tokenKeys: ((i: number) => Uint32Array) | undefined;
      if (hg.dropoutKeys) {
        if (!batch.dropout) throw new Error("this training step has LoRA dropout: pass dropout { seed, step }");
        const stream = dropoutStream(batch.dropout.seed, batch.dropout.step);
        tokenKeys = (i) => sequenceTokenKeys(stream, seqs[i]!.ids);
      }
      const packed = packBatch(config, seqs, planRows(seqs, share), tokenKeys);
      const feeds = packedFeeds(config, packed, hg);
      for (const [name, v] of hg.wi.params) feeds[name] = weightFeed(weights, name, v.shape as number[]);
      for (const name of tokenInputs) {
        const t = batch.tokenInputs?.[name];
        if (!t) throw new Error(`missing token input ${name}`);
        feeds[name] = f32(joinTokens(packed, name, t), [packed.predictions]);
      }
      for (const name of sequenceInputs) {
        const s = batch.sequenceInputs?.[name];
        if (!s || s.length !== seqs.length) throw new Error(`missing or mis-sized sequence input ${name}`);
        feeds[name] = f32(Float32Array.from(s), [seqs.length]);
      }
      for (const name of scalarInputs) {
        const s = batch.scalars?.[name];
        if (s === undefined) throw new Error(`missing scalar input ${name}`);
        feeds[name] = f32(Float32Array.of(s), [1]);
      }
      const out = await compiled.run(feeds);
      const result: HeadsTrainingResult = {
        loss: (out.loss!.data as Float32Array)[0]!,
        grads: new Map(trainable.map(([name]) => [name, out[`grad:${name}`]!.data as Float32Array])),
        count: packed.counts,
      };
      for (const k of TOKEN_OUTPUTS) if (out[k]) result[k] = splitTokens(packed, out[k].data as Float32Array);
      if (out.score) result.score = Float64Array.from(out.score.data as Float32Array);
      return result;
    },
  };
}
