import type { TrainingStep } from "../model/decoder.js";
import type { Weights } from "../model/weights.js";
import { tokenNormalizerInput } from "./graph-losses.js";
import {
  computeLoss,
  type Example,
  type LossOptions,
  METHOD_SEQUENCES,
  type Method,
  usesReference,
} from "./losses/index.js";
import type { MicroBatchResult, TrainableModel } from "./model-api.js";
import { rowSequences, type SequenceEncoder, type TokenSequence, type TrainRow } from "./sequences.js";
import type { TruncationMode } from "./truncation.js";

/** Forward-only sequence log-probs (for evaluation and reference precompute); `logitsSum` as in the step. */
export type SequenceLogprobs = (
  weights: Weights,
  seqs: readonly TokenSequence[],
) => Promise<{ sum: Float64Array; count: Int32Array; logitsSum?: Float64Array }>;

/** Reference log-probs of sequences (from the precomputed cache). */
export type ReferenceLogprobs = (seqs: readonly TokenSequence[]) => Promise<Float64Array>;

export interface EngineModelOptions {
  /** Every weight the graph reads (base weights, plus LoRA factors when training adapters). */
  weights: Weights;
  /** Names of the parameters the optimizer updates (must receive gradients from the step). */
  trainable: readonly string[];
  /**
   * The compiled training step for a method and its loss options (graph-losses.ts baked in; the caller caches
   * one per method + options). The SFT token normaliser varies per step and is fed as an extra input.
   */
  trainingStep: (method: Method, loss: LossOptions) => Promise<Pick<TrainingStep, "run">>;
  evalLogprobs: SequenceLogprobs;
  reference?: ReferenceLogprobs;
  encode: SequenceEncoder;
  maxLength: number;
  truncationMode?: TruncationMode;
  save: (dir: string, weights: Weights) => void;
  load: (dir: string) => Weights;
  /**
   * Seed of the training steps' dropout masks (LoRA dropout; masks are a pure function of seed, optimizer step and
   * tokens, see src/model/lora-dropout.ts). Undefined = the steps have no dropout.
   */
  dropoutSeed?: number;
  /** Vocabulary size: with the steps' `logitsSum`, gives TRL's `logits/...` metrics (sum / (tokens * vocab)). */
  vocabSize?: number;
  /** Relative tolerance of the engine-loss vs scalar-loss consistency check (float32 graph vs float64). */
  lossCheckTolerance?: number;
}

/** The decoder on ONNX Runtime as a TrainableModel: sequences, reference log-probs, loss check, metrics. */
export class EngineModel implements TrainableModel<TrainRow> {
  readonly params = new Map<string, Float32Array>();
  private seqCache = new WeakMap<TrainRow, Map<Method, TokenSequence[]>>();

  constructor(private readonly o: EngineModelOptions) {
    for (const name of o.trainable) {
      const t = o.weights.get(name);
      if (!t) throw new Error(`trainable parameter ${name} is not among the weights`);
      this.params.set(name, t.data); // shared buffer: optimizer updates are what the next step reads
    }
  }

  /** The truncated token sequences `method` scores for `row` (encoded once, then cached). */
  sequences(row: TrainRow, method: Method): TokenSequence[] {
    let m = this.seqCache.get(row);
    if (!m) this.seqCache.set(row, (m = new Map()));
    let s = m.get(method);
    if (!s) m.set(method, (s = rowSequences(row, method, this.o.encode, this.o.maxLength, this.o.truncationMode)));
    return s;
  }

  responseTokens(row: TrainRow): number {
    const [s] = this.sequences(row, "sft");
    return s.ids.length - Math.max(s.responseStart, 1);
  }

  private examples(
    method: Method,
    nRows: number,
    stats: { sum: Float64Array; count: Int32Array; logitsSum?: Float64Array },
    ref?: Float64Array,
  ): Example[] {
    const names = METHOD_SEQUENCES[method];
    const { sum, count, logitsSum } = stats;
    const vocab = this.o.vocabSize;
    const out: Example[] = [];
    for (let r = 0; r < nRows; r++) {
      const ex: Example = {};
      names.forEach((name, j) => {
        const i = r * names.length + j;
        const logitsMean = logitsSum && vocab && count[i] > 0 ? logitsSum[i] / (count[i] * vocab) : undefined;
        ex[name] = { policy: sum[i], reference: ref?.[i], tokens: count[i], logitsMean };
      });
      out.push(ex);
    }
    return out;
  }

  async trainStep(
    rows: readonly TrainRow[],
    method: Method,
    loss: LossOptions,
    grads: Map<string, Float32Array>,
    weight: number,
    at?: { step: number },
  ): Promise<MicroBatchResult> {
    const seqs = rows.flatMap((r) => this.sequences(r, method));
    const ref = usesReference(method) ? await this.requireReference()(seqs) : undefined;
    const counts = seqs.map((s) => s.ids.length - Math.max(s.responseStart, 1));
    const extra =
      method === "sft" ? tokenNormalizerInput(loss.tokenNormalizer ?? counts.reduce((a, b) => a + b, 0)) : undefined;
    const { tokenNormalizer: _, ...baked } = loss;
    const step = await this.o.trainingStep(method, baked);
    const r = await step.run(this.o.weights, {
      ids: seqs.map((s) => s.ids),
      responseStart: seqs.map((s) => s.responseStart),
      refLogp: ref,
      extra,
      dropout: this.o.dropoutSeed === undefined ? undefined : { seed: this.o.dropoutSeed, step: at?.step ?? 0 },
    });
    for (const [name, g] of grads) {
      const eg = r.grads.get(name);
      if (!eg) throw new Error(`the training step returned no gradient for ${name}`);
      for (let i = 0; i < g.length; i++) g[i] += weight * eg[i];
    }
    const stats = { sum: r.logpSum, count: r.count, logitsSum: r.logitsSum };
    const scalar = computeLoss(method, this.examples(method, rows.length, stats, ref), loss);
    const tol = this.o.lossCheckTolerance ?? 1e-3;
    if (Number.isFinite(r.loss) && Math.abs(r.loss - scalar.loss) > tol * (1 + Math.abs(scalar.loss)))
      throw new Error(`engine loss ${r.loss} disagrees with the scalar ${method} loss ${scalar.loss}`);
    return { loss: r.loss, metrics: scalar.metrics, tokens: seqs.reduce((a, s) => a + s.ids.length, 0) };
  }

  async evalStep(rows: readonly TrainRow[], method: Method, loss: LossOptions): Promise<MicroBatchResult> {
    const seqs = rows.flatMap((r) => this.sequences(r, method));
    const ref = usesReference(method) ? await this.requireReference()(seqs) : undefined;
    const stats = await this.o.evalLogprobs(this.o.weights, seqs);
    const scalar = computeLoss(method, this.examples(method, rows.length, stats, ref), loss);
    return { loss: scalar.loss, metrics: scalar.metrics, tokens: seqs.reduce((a, s) => a + s.ids.length, 0) };
  }

  private requireReference(): ReferenceLogprobs {
    if (!this.o.reference) throw new Error("this method needs reference log-probs but none were provided");
    return this.o.reference;
  }

  save(dir: string): void {
    this.o.save(dir, this.o.weights);
  }

  load(dir: string): void {
    const loaded = this.o.load(dir);
    for (const [name, p] of this.params) {
      const t = loaded.get(name);
      if (!t || t.data.length !== p.length) throw new Error(`${dir}: parameter ${name} missing or of another size`);
      p.set(t.data);
    }
  }
}

/**
 * Reference log-probs computed once for every sequence of the dataset and looked up per step (the frozen
 * reference costs nothing during training). Keys are the exact token sequences.
 */
export class ReferenceTable {
  private table = new Map<string, number>();

  static key(s: TokenSequence): string {
    return `${s.responseStart}:${Buffer.from(s.ids.buffer, s.ids.byteOffset, s.ids.byteLength).toString("base64")}`;
  }

  /** Compute (in batches) the reference log-probs of all sequences not yet known. */
  async fill(seqs: readonly TokenSequence[], compute: (seqs: TokenSequence[]) => Promise<Float64Array>): Promise<void> {
    const todo: TokenSequence[] = [];
    const seen = new Set<string>();
    for (const s of seqs) {
      const k = ReferenceTable.key(s);
      if (!this.table.has(k) && !seen.has(k)) {
        seen.add(k);
        todo.push(s);
      }
    }
    if (todo.length === 0) return;
    const values = await compute(todo);
    for (let i = 0; i < todo.length; i++) this.table.set(ReferenceTable.key(todo[i]), values[i]);
  }

  lookup: ReferenceLogprobs = async (seqs) =>
    Float64Array.from(seqs, (s) => {
      const v = this.table.get(ReferenceTable.key(s));
      if (v === undefined) throw new Error("reference log-prob missing for a sequence (precompute incomplete)");
      return v;
    });

  get size(): number {
    return this.table.size;
  }
}
