/**
 * Llama/Qwen2 decoder on ONNX Runtime: the public entry points the CLI and the trainer call.
 *
 *   createLogprobRunner(config, options?) -> LogprobRunner
 *     runner.sequenceLogprobs(weights, { ids: Int32Array[], responseStart: number[] })
 *       -> { sum: Float64Array, count: Int32Array, logitsSum: Float64Array }
 *     sum[i] = sum over t >= max(responseStart[i], 1) of log p(ids[i][t] | ids[i][<t]); count[i] = number of such t.
 *     logitsSum[i] = sum of the raw LM-head logits over those positions and the whole vocabulary (TRL's
 *     `logits/...` metrics divide it by count * vocab_size). Forward only. Sequences sharing a prompt are packed into
 *     one row (the prompt is computed once) and the LM head and log-softmax run only at the scored positions. Sessions are cached, so repeated calls reuse one session.
 *
 *   createTrainingStep(config, { trainable, loss, transformWeight?, adaptLinear?, ...options }) -> TrainingStep
 *     step.run(weights, { ids, responseStart, refLogp?, extra?, dropout? })
 *       -> { loss, logpSum: Float64Array, count: Int32Array, logitsSum: Float64Array, grads: Map<name, Float32Array> }
 *     One forward + backward graph; gradients only for parameters with trainable(name) === true.
 *     `loss(g, ctx)` builds a scalar from the per-sequence log-prob sums in the graph API (ctx.logpSum [N],
 *     ctx.count [N], ctx.refLogp [N] (fed from `refLogp`), ctx.input(name, dims) for extra inputs fed from `extra`).
 *     The losses are src/train/graph-losses.ts trainingLoss(method, options), one per method, built from the
 *     per-sequence weights of src/train/losses/methods.ts. `transformWeight(name, w, g, param)` rewrites a weight
 *     before use (e.g. LoRA: w + scale * B @ A, with A/B declared via `param` and fed from the same weights map; see
 *     decoder-lora.ts: loraTransform({ targets, rank, alpha }) with trainable: isLoraParameter).
 *     `adaptLinear` instead rewrites projection outputs on the activation path: loraBranch({ ..., dropout }) is PEFT's
 *     y = W x + scale * B A dropout(x); with dropout > 0, run() needs `dropout: { seed, step }`, from which the graph
 *     computes its masks (lora-dropout.ts: a pure function of seed, step, module and token prefix).
 *
 *   createGenerator(config, weights, options?) -> Generator   (see generate.ts)
 *     gen.generate(prompts: Int32Array[], { max_new_tokens, temperature, top_p, seed, eos_token_ids })
 *       -> Int32Array[] (generated ids, EOS excluded)
 *
 * Weights use the HF tensor names and shapes (src/model/weights.ts); options are { threads, optimization,
 * executionProviders } (src/engine/session.ts).
 */
import { gradients } from "../engine/autodiff.js";
import { type Dim, Graph, type Value } from "../engine/graph.js";
import { CompiledGraph, type EngineOptions, type FeedValue, f32 } from "../engine/session.js";
import type { ModelConfig } from "./config.js";
import { packBatch, planRows, rowLength, type SequenceInput } from "./decoder-batch.js";
import { buildDecoder, sequenceLogprobGraph, type WeightSource } from "./decoder-graph.js";
import type { LinearAdapterFactory, TransformWeight } from "./decoder-lora.js";
import { dropoutStream, sequenceTokenKeys } from "./lora-dropout.js";
import type { Weights } from "./weights.js";
import { parameterNames } from "./weights.js";

export type { EngineOptions } from "../engine/session.js";

/** HF parameter shapes of a config. */
export function parameterShapes(cfg: ModelConfig): Map<string, number[]> {
  const D = cfg.hidden_size;
  const hd = cfg.head_dim;
  const qDim = cfg.num_attention_heads * hd;
  const kvDim = cfg.num_key_value_heads * hd;
  const F = cfg.intermediate_size;
  const shapes = new Map<string, number[]>();
  for (const name of parameterNames(cfg)) {
    const leaf = name.split(".").slice(-2).join(".");
    let shape: number[];
    if (name === "model.embed_tokens.weight" || name === "lm_head.weight") shape = [cfg.vocab_size, D];
    else if (name.endsWith("layernorm.weight") || name === "model.norm.weight") shape = [D];
    else if (leaf === "q_proj.weight") shape = [qDim, D];
    else if (leaf === "q_proj.bias") shape = [qDim];
    else if (leaf === "k_proj.weight" || leaf === "v_proj.weight") shape = [kvDim, D];
    else if (leaf === "k_proj.bias" || leaf === "v_proj.bias") shape = [kvDim];
    else if (leaf === "o_proj.weight") shape = [D, qDim];
    else if (leaf === "o_proj.bias" || leaf === "down_proj.bias") shape = [D];
    else if (leaf === "gate_proj.weight" || leaf === "up_proj.weight") shape = [F, D];
    else if (leaf === "gate_proj.bias" || leaf === "up_proj.bias") shape = [F];
    else if (leaf === "down_proj.weight") shape = [D, F];
    else throw new Error(`unknown parameter ${name}`);
    shapes.set(name, shape);
  }
  return shapes;
}

/** Declares weight inputs lazily (only those the graph uses) and records which graph inputs are parameters. */
export class WeightInputs {
  readonly params = new Map<string, Value>();
  private cache = new Map<string, Value>();
  constructor(
    private g: Graph,
    private shapes: Map<string, number[]>,
    private transform?: TransformWeight,
  ) {}
  param = (name: string, shape: number[]): Value => {
    let v = this.params.get(name);
    if (!v) {
      v = this.g.input(name, "float32", shape);
      this.params.set(name, v);
    }
    return v;
  };
  source: WeightSource = (name) => {
    let v = this.cache.get(name);
    if (v) return v;
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`unknown parameter ${name}`);
    v = this.param(name, shape);
    if (this.transform) v = this.transform(name, v, this.g, this.param);
    this.cache.set(name, v);
    return v;
  };
}

export function weightFeed(weights: Weights, name: string, shape: readonly number[]): FeedValue {
  const t = weights.get(name);
  if (!t) throw new Error(`missing weight ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`weight ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return f32(t.data, [...t.shape]);
}

interface BatchValues {
  ids: Value;
  cos: Value;
  sin: Value;
  mask: Value;
  predIndex: Value;
  targets: Value;
  segments: Value;
}

function declareBatchInputs(g: Graph, cfg: ModelConfig): BatchValues {
  const hd = cfg.head_dim;
  return {
    ids: g.input("input_ids", "int64", ["B", "S"]),
    cos: g.input("rope_cos", "float32", ["B", "S", hd]),
    sin: g.input("rope_sin", "float32", ["B", "S", hd]),
    mask: g.input("attention_mask", "float32", ["B", 1, 1, "S", "S"]),
    predIndex: g.input("pred_index", "int64", ["R"]),
    targets: g.input("target_ids", "int64", ["R", 1]),
    segments: g.input("segments", "float32", ["N", "R"]),
  };
}

function batchFeeds(seqs: SequenceInput[], cfg: ModelConfig, share: boolean, tokenKeys?: (seq: number) => Uint32Array) {
  const packed = packBatch(cfg, seqs, planRows(seqs, share), tokenKeys);
  const { rows, width, predictions: R, sequences: N } = packed;
  const hd = cfg.head_dim;
  const feeds: Record<string, FeedValue> = {
    input_ids: { dtype: "int64", data: packed.ids, dims: [rows, width] },
    rope_cos: f32(packed.cos, [rows, width, hd]),
    rope_sin: f32(packed.sin, [rows, width, hd]),
    attention_mask: f32(packed.mask, [rows, 1, 1, width, width]),
    pred_index: { dtype: "int64", data: packed.predIndex, dims: [R] },
    target_ids: { dtype: "int64", data: packed.targets, dims: [R, 1] },
    segments: f32(packed.segments, [N, R]),
  };
  return { packed, feeds };
}

function toSequences(batch: { ids: Int32Array[]; responseStart: number[] }): SequenceInput[] {
  if (batch.ids.length !== batch.responseStart.length) throw new Error("ids and responseStart differ in length");
  return batch.ids.map((ids, i) => ({ ids, responseStart: batch.responseStart[i]! }));
}

// ---------------------------------------------------------------- forward-only log-probs

export interface LogprobOptions extends EngineOptions {
  /** pack sequences that share a prompt into one row (default true) */
  sharePrompts?: boolean;
  /** upper bound on padded tokens per ORT run (default 8192) */
  maxBatchTokens?: number;
}

export interface LogprobRunner {
  sequenceLogprobs(
    weights: Weights,
    batch: { ids: Int32Array[]; responseStart: number[] },
  ): Promise<{ sum: Float64Array; count: Int32Array; logitsSum: Float64Array }>;
}

export async function createLogprobRunner(config: ModelConfig, options: LogprobOptions = {}): Promise<LogprobRunner> {
  const g = new Graph("logprobs");
  const shapes = parameterShapes(config);
  const wi = new WeightInputs(g, shapes);
  const b = declareBatchInputs(g, config);
  const { hidden } = buildDecoder(g, config, wi.source, { ids: b.ids, cos: b.cos, sin: b.sin, mask: b.mask });
  const stats = sequenceLogprobGraph(g, config, wi.source, hidden, b.predIndex, b.targets, b.segments);
  g.output("logp_sum", stats.logpSum);
  g.output("logits_sum", stats.logitsSum);
  const compiled = await CompiledGraph.create(g, options);
  const share = options.sharePrompts ?? true;
  const budget = options.maxBatchTokens ?? 8192;

  return {
    async sequenceLogprobs(weights, batch) {
      const seqs = toSequences(batch);
      const sum = new Float64Array(seqs.length);
      const count = new Int32Array(seqs.length);
      const logitsSum = new Float64Array(seqs.length);
      const weightFeeds: Record<string, FeedValue> = {};
      for (const [name, v] of wi.params) weightFeeds[name] = weightFeed(weights, name, v.shape as number[]);
      // Micro-batches of whole prompt groups, longest first, bounded by the padded token budget.
      const plans = planRows(seqs, share).sort((p, q) => rowLength(q, seqs) - rowLength(p, seqs));
      let i = 0;
      while (i < plans.length) {
        const width = rowLength(plans[i]!, seqs);
        let j = i + 1;
        while (j < plans.length && (j - i + 1) * width <= budget) j++;
        const chunkSeqIdx = plans.slice(i, j).flatMap((p) => p.members);
        const sub = chunkSeqIdx.map((k) => seqs[k]!);
        const { packed, feeds } = batchFeeds(sub, config, share);
        if (packed.predictions > 0) {
          const out = await compiled.run({ ...weightFeeds, ...feeds }, ["logp_sum", "logits_sum"]);
          const data = out.logp_sum!.data as Float32Array;
          const logits = out.logits_sum!.data as Float32Array;
          chunkSeqIdx.forEach((k, n) => {
            sum[k] = data[n]!;
            logitsSum[k] = logits[n]!;
          });
        }
        chunkSeqIdx.forEach((k, n) => {
          count[k] = packed.counts[n]!;
        });
        i = j;
      }
      return { sum, count, logitsSum };
    },
  };
}

// ---------------------------------------------------------------- training step

export interface LossContext {
  /** [N] per-sequence summed response log-probs under the policy */
  logpSum: Value;
  /** [N] scored token counts (float) */
  count: Value;
  /** [N] reference log-prob sums (a graph input fed from `refLogp`) */
  readonly refLogp: Value;
  /** declare an extra float input fed from `extra[name]` */
  input(name: string, dims: Dim[]): Value;
}

export type LossFn = (g: Graph, ctx: LossContext) => Value;

export interface TrainingStepOptions extends EngineOptions {
  trainable: (name: string) => boolean;
  /** the loss graph on the per-sequence log-probs (src/train/graph-losses.ts trainingLoss) */
  loss: LossFn;
  transformWeight?: TransformWeight;
  /** activation-path rewrite of the projections (decoder-lora.ts `loraBranch`: LoRA, with or without dropout) */
  adaptLinear?: LinearAdapterFactory;
  sharePrompts?: boolean;
}

export interface TrainingResult {
  loss: number;
  logpSum: Float64Array;
  count: Int32Array;
  /** per sequence: sum of the raw logits over its response positions and the vocabulary (metrics only) */
  logitsSum: Float64Array;
  grads: Map<string, Float32Array>;
}

export interface TrainingStep {
  /** names of the parameters that receive gradients, in graph order */
  readonly trainableNames: string[];
  run(
    weights: Weights,
    batch: {
      ids: Int32Array[];
      responseStart: number[];
      refLogp?: Float64Array | Float32Array;
      extra?: Record<string, { data: Float32Array; dims: number[] }>;
      /** the dropout masks' (seed, optimizer step): required when the graph has dropout (lora-dropout.ts) */
      dropout?: { seed: number; step: number };
    },
  ): Promise<TrainingResult>;
  /** Write ORT's profile (a Chrome trace JSON) when created with `profilePrefix`. */
  endProfiling(): void;
}

export async function createTrainingStep(config: ModelConfig, opts: TrainingStepOptions): Promise<TrainingStep> {
  const g = new Graph("train");
  const wi = new WeightInputs(g, parameterShapes(config), opts.transformWeight);
  const b = declareBatchInputs(g, config);
  let dropoutKeys: Value | undefined;
  const adapt = opts.adaptLinear?.({
    g,
    param: wi.param,
    dropoutKeys: () => {
      dropoutKeys ??= g.reshape(g.input("dropout_keys", "int64", ["B", "S"]), ["B*S", 1]);
      return dropoutKeys;
    },
  });
  const inputs = { ids: b.ids, cos: b.cos, sin: b.sin, mask: b.mask };
  const { hidden } = buildDecoder(g, config, wi.source, inputs, adapt);
  const { logpSum, logitsSum } = sequenceLogprobGraph(g, config, wi.source, hidden, b.predIndex, b.targets, b.segments);
  const count = g.input("token_count", "float32", ["N"]);
  let refLogp: Value | undefined;
  const extras: string[] = [];
  const ctx: LossContext = {
    logpSum,
    count,
    get refLogp() {
      refLogp ??= g.input("ref_logp", "float32", ["N"]);
      return refLogp;
    },
    input(name, dims) {
      extras.push(name);
      return g.input(name, "float32", dims);
    },
  };
  const loss = opts.loss(g, ctx);
  const trainable = [...wi.params.entries()].filter(([name]) => opts.trainable(name));
  if (trainable.length === 0) throw new Error("no trainable parameters selected");
  const grads = gradients(
    g,
    loss,
    trainable.map(([, v]) => v),
  );
  g.output("loss", loss);
  g.output("logp_sum", logpSum);
  g.output("logits_sum", logitsSum);
  trainable.forEach(([name], i) => {
    g.output(`grad:${name}`, grads[i]!);
  });
  // ORT's memory-pattern block costs more peak memory than it saves time on training graphs (medium shape: 11.5 GiB
  // without vs 14.5 GiB with, at no loss of speed), so it is off unless asked for.
  const compiled = await CompiledGraph.create(g, { memoryPattern: false, ...opts });
  const share = opts.sharePrompts ?? true;

  return {
    trainableNames: trainable.map(([n]) => n),
    endProfiling: () => compiled.endProfiling(),
    async run(weights, batch) {
      const seqs = toSequences(batch);
      let tokenKeys: ((i: number) => Uint32Array) | undefined;
      if (dropoutKeys) {
        if (!batch.dropout) throw new Error("this training step has LoRA dropout: pass dropout { seed, step }");
        const stream = dropoutStream(batch.dropout.seed, batch.dropout.step);
        tokenKeys = (i) => sequenceTokenKeys(stream, seqs[i]!.ids);
      }
      const { packed, feeds } = batchFeeds(seqs, config, share, tokenKeys);
      if (packed.keys) feeds.dropout_keys = { dtype: "int64", data: packed.keys, dims: [packed.rows, packed.width] };
      for (const [name, v] of wi.params) feeds[name] = weightFeed(weights, name, v.shape as number[]);
      feeds.token_count = f32(Float32Array.from(packed.counts), [seqs.length]);
      if (refLogp) {
        if (!batch.refLogp) throw new Error("this loss needs refLogp");
        feeds.ref_logp = f32(Float32Array.from(batch.refLogp), [seqs.length]);
      }
      for (const name of extras) {
        const e = batch.extra?.[name];
        if (!e) throw new Error(`missing extra loss input ${name}`);
        feeds[name] = f32(e.data, e.dims);
      }
      const out = await compiled.run(feeds);
      const result = new Map<string, Float32Array>();
      for (const [name] of trainable) result.set(name, out[`grad:${name}`]!.data as Float32Array);
      return {
        loss: (out.loss!.data as Float32Array)[0]!,
        logpSum: Float64Array.from(out.logp_sum!.data as Float32Array),
        logitsSum: Float64Array.from(out.logits_sum!.data as Float32Array),
        count: packed.counts,
        grads: result,
      };
    },
  };
}

export { createGenerator, type GenerateOptions, type Generator } from "./generate.js";
