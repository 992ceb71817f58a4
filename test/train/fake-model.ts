import { join } from "node:path";
import {
  computeLoss,
  type Example,
  type LossOptions,
  METHOD_SEQUENCES,
  type Method,
  type SeqName,
} from "../../src/train/losses/index.js";
import type { MicroBatchResult, TrainableModel } from "../../src/train/model-api.js";
import { rng } from "../../src/train/rng.js";
import { readF32Tensors, writeF32Tensors } from "../../src/train/tensor-file.js";

/**
 * A tiny analytic stand-in for the decoder: every sequence s has fixed features (f_s, h_s), an offset a_s and a
 * token count n_s, and its summed log-prob is  log p(s) = -n_s * softplus(a_s + f_s . W + h_s . B)  (always < 0,
 * smooth in the two parameter tensors W and B). Reference log-probs are those of the initial parameters, frozen,
 * as the precomputed cache provides them. Losses and their gradients come from the real loss functions; the chain
 * rule to W and B is written here.
 */
export interface FakeSeq {
  f: number[];
  h: number[];
  a: number;
  tokens: number;
}
export type FakeRow = Partial<Record<SeqName, FakeSeq>>;

const DIM = 5;

export function makeRows(n: number, seed: number): FakeRow[] {
  const r = rng(seed);
  const seq = (): FakeSeq => ({
    f: Array.from({ length: DIM }, () => r() * 2 - 1),
    h: Array.from({ length: DIM }, () => r() * 2 - 1),
    a: r() * 2 - 0.5,
    tokens: 1 + Math.floor(r() * 9),
  });
  return Array.from({ length: n }, () => ({
    chosen: seq(),
    rejected: seq(),
    chosen_v1: seq(),
    rejected_v1: seq(),
    chosen_v2: seq(),
    rejected_v2: seq(),
  }));
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class FakeModel implements TrainableModel<FakeRow> {
  readonly params = new Map<string, Float32Array>();
  private refW: Float32Array;
  private refB: Float32Array;
  calls = 0;
  /** Return a NaN loss from this trainStep call on (1-based), to test divergence handling. */
  nanFromCall: number | undefined;

  constructor(seed = 7) {
    const r = rng(seed, 99);
    this.params.set(
      "model.lm.weight",
      Float32Array.from({ length: DIM }, () => r() - 0.5),
    );
    this.params.set(
      "model.lm.bias",
      Float32Array.from({ length: DIM }, () => r() - 0.5),
    );
    this.refW = Float32Array.from(this.params.get("model.lm.weight")!);
    this.refB = Float32Array.from(this.params.get("model.lm.bias")!);
  }

  private z(s: FakeSeq, W: Float32Array, B: Float32Array): number {
    let z = s.a;
    for (let i = 0; i < DIM; i++) z += s.f[i] * W[i] + s.h[i] * B[i];
    return z;
  }

  private examples(rows: readonly FakeRow[], method: Method): Example[] {
    const W = this.params.get("model.lm.weight")!;
    const B = this.params.get("model.lm.bias")!;
    return rows.map((row) => {
      const ex: Example = {};
      for (const name of METHOD_SEQUENCES[method]) {
        const s = row[name]!;
        ex[name] = {
          policy: -s.tokens * softplus(this.z(s, W, B)),
          reference: -s.tokens * softplus(this.z(s, this.refW, this.refB)),
          tokens: s.tokens,
        };
      }
      return ex;
    });
  }

  responseTokens(row: FakeRow): number {
    return row.chosen!.tokens;
  }

  private tokens(rows: readonly FakeRow[], method: Method): number {
    return rows.reduce((a, r) => a + METHOD_SEQUENCES[method].reduce((b, n) => b + r[n]!.tokens, 0), 0);
  }

  trainStep(
    rows: readonly FakeRow[],
    method: Method,
    loss: LossOptions,
    grads: Map<string, Float32Array>,
    weight: number,
  ): MicroBatchResult {
    this.calls++;
    const out = computeLoss(method, this.examples(rows, method), loss);
    const W = this.params.get("model.lm.weight")!;
    const B = this.params.get("model.lm.bias")!;
    const gW = grads.get("model.lm.weight")!;
    const gB = grads.get("model.lm.bias")!;
    rows.forEach((row, i) => {
      for (const name of METHOD_SEQUENCES[method]) {
        const s = row[name]!;
        // d logp / d z = -n sigma(z)
        const c = weight * out.grad[i][name]! * -s.tokens * sigmoid(this.z(s, W, B));
        for (let k = 0; k < DIM; k++) {
          gW[k] += c * s.f[k];
          gB[k] += c * s.h[k];
        }
      }
    });
    const nan = this.nanFromCall !== undefined && this.calls >= this.nanFromCall;
    return { loss: nan ? Number.NaN : out.loss, metrics: out.metrics, tokens: this.tokens(rows, method) };
  }

  evalStep(rows: readonly FakeRow[], method: Method, loss: LossOptions): MicroBatchResult {
    const out = computeLoss(method, this.examples(rows, method), loss);
    return { loss: out.loss, metrics: out.metrics, tokens: this.tokens(rows, method) };
  }

  save(dir: string): void {
    const t = new Map([...this.params].map(([k, v]) => [k, { shape: [v.length], data: v }]));
    writeF32Tensors(join(dir, "model.safetensors"), t);
  }

  load(dir: string): void {
    for (const [k, t] of readF32Tensors(join(dir, "model.safetensors"))) this.params.get(k)!.set(t.data);
  }
}
