/**
 * LoRA, two ways. `loraBranch` (what the trainer uses) is PEFT's activation path, below. `loraTransform` goes through
 * the decoder's `transformWeight` hook: a targeted projection weight W [out, in] is used as
 * W + (alpha / r) * B @ A, with A [r, in] and B [out, r] declared as extra parameters under PEFT's tensor names
 * (`<module>.lora_A.weight`, `<module>.lora_B.weight`) and fed from the same weights map. Train with
 * `trainable: isLoraParameter` so only the adapters get gradients (the frozen base gradient is never output).
 */
import type { Graph, Value } from "../engine/graph.js";
import type { LinearAdapter } from "./decoder-graph.js";
import { dropUnscaledGraph } from "./lora-dropout.js";

/**
 * The decoder's weight hook (createTrainingStep's `transformWeight`): rewrites parameter `name` before use, and may
 * declare further parameters through `param` (fed from the same weights map).
 */
export type TransformWeight = (
  name: string,
  weight: Value,
  g: Graph,
  param: (name: string, shape: number[]) => Value,
) => Value;

export interface LoraOptions {
  /** module leaf names to adapt, e.g. ["q_proj", "v_proj"] */
  targets: string[];
  rank: number;
  alpha: number;
}

export function loraTransform(opts: LoraOptions): TransformWeight {
  const scale = opts.alpha / opts.rank;
  return (name, weight, g, param) => {
    const m = /^(.*\.([A-Za-z0-9_]+))\.weight$/.exec(name);
    if (!m || !opts.targets.includes(m[2]!) || weight.rank !== 2) return weight;
    const [out, inp] = weight.shape as [number, number];
    const a = param(`${m[1]}.lora_A.weight`, [opts.rank, inp]);
    const b = param(`${m[1]}.lora_B.weight`, [out, opts.rank]);
    return g.add(weight, g.mul(g.matmul(b, a), g.scalar(scale)));
  };
}

/** What an activation-path adapter may use while the training graph is built. */
export interface AdapterContext {
  g: Graph;
  /** declare (once) a parameter input fed from the weights map */
  param: (name: string, shape: number[]) => Value;
  /** int64 [B*S, 1] per-token dropout keys (lora-dropout.ts), a graph input declared on first use */
  dropoutKeys: () => Value;
}

export type LinearAdapterFactory = (ctx: AdapterContext) => LinearAdapter;

/**
 * LoRA on the activation path, PEFT's `lora.Linear.forward`: y = W x + b + (alpha/r) B (A dropout(x)), with A, B under
 * the same PEFT names as `loraTransform`. It expresses `lora_dropout > 0` (the dropout acts on the branch input only,
 * inverted scaling, a deterministic mask per module from lora-dropout.ts); with dropout 0 it computes the same
 * function as `loraTransform` without forming W + (alpha/r) B A, and its backward never forms the [out, in] gradient
 * of the merged weight, which makes it the faster of the two (bench/lora-dropout.ts).
 */
export function loraBranch(opts: LoraOptions & { dropout: number }): LinearAdapterFactory {
  if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new Error(`lora dropout ${opts.dropout} outside [0, 1)`);
  const scale = opts.alpha / opts.rank;
  return ({ g, param, dropoutKeys }) =>
    (module, x, y) => {
      const leaf = module.slice(module.lastIndexOf(".") + 1);
      if (!opts.targets.includes(leaf)) return y;
      const [inp, out] = [x.shape[1], y.shape[1]];
      if (typeof inp !== "number" || typeof out !== "number") throw new Error(`${module}: static feature dims needed`);
      const a = param(`${module}.lora_A.weight`, [opts.rank, inp]);
      const b = param(`${module}.lora_B.weight`, [out, opts.rank]);
      if (opts.dropout === 0) {
        const low = g.gemm(x, a, undefined, { transB: true }); // [B*S, r]
        return g.gemm(low, b, y, { transB: true, alpha: scale }); // y + scale * low B^T
      }
      // inverted dropout: the kept inputs, scaled by 1/(1-p) inside the second GEMM
      const low = g.gemm(dropUnscaledGraph(g, x, dropoutKeys(), module, opts.dropout), a, undefined, { transB: true });
      return g.gemm(low, b, y, { transB: true, alpha: scale / (1 - opts.dropout) });
    };
}

export function isLoraParameter(name: string): boolean {
  return name.includes(".lora_A.") || name.includes(".lora_B.");
}

/** Merge adapters into base weights (for saving a plain HF checkpoint or for reference computations). */
export function mergeLora<T extends { shape: number[]; data: Float32Array | Float64Array }>(
  weights: Map<string, T>,
  opts: LoraOptions,
): Map<string, { shape: number[]; data: Float64Array }> {
  const scale = opts.alpha / opts.rank;
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [name, t] of weights) {
    if (isLoraParameter(name)) continue;
    const data = Float64Array.from(t.data);
    const prefix = name.replace(/\.weight$/, "");
    const a = weights.get(`${prefix}.lora_A.weight`);
    const b = weights.get(`${prefix}.lora_B.weight`);
    if (a && b) {
      const [o, i] = t.shape as [number, number];
      const r = opts.rank;
      for (let p = 0; p < o; p++)
        for (let q = 0; q < i; q++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += b.data[p * r + k]! * a.data[k * i + q]!;
          data[p * i + q]! += scale * s;
        }
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}
