import type { LossOptions, Method } from "./losses/index.js";
import { METHOD_SEQUENCES } from "./losses/index.js";

/**
 * The losses of ./losses written as computation graphs, for the engine's training step (which differentiates
 * them together with the decoder). Same equations, same sequence order per example as METHOD_SEQUENCES
 * (IOPO: (x1,y1), (x1,y2), (x2,y2), (x2,y1), consecutive rows). The scalar versions in ./losses stay the readable
 * reference and provide the logged metrics; tests hold the two to each other and to finite differences.
 *
 * Typed against the few graph operations used (structurally satisfied by the engine's Graph), so that this file
 * does not depend on the engine's internals.
 */
export interface LossGraph<V> {
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  div(a: V, b: V): V;
  neg(x: V): V;
  exp(x: V): V;
  log(x: V): V;
  softplus(x: V): V;
  where(cond: V, a: V, b: V): V;
  less(a: V, b: V): V;
  matmul(a: V, b: V): V;
  reshapeInfer(x: V, target: number[], dims: (number | string)[]): V;
  reduceMean(x: V, axes: number[], keepdims?: boolean): V;
  reduceSum(x: V, axes: number[], keepdims?: boolean): V;
  constant(data: ArrayLike<number>, shape: number[]): V;
  scalar(x: number): V;
}

export interface LossGraphContext<V> {
  /** [N] summed response log-probs under the policy. */
  logpSum: V;
  /** [N] response token counts (float). */
  count: V;
  /** [N] reference log-prob sums (declared on first use). */
  readonly refLogp: V;
  /** Declare an extra float input (fed by the trainer). */
  input(name: string, dims: (number | string)[]): V;
}

/** Name of the extra [1] input holding the SFT token normaliser (total response tokens of the optimizer step). */
export const TOKEN_NORMALIZER_INPUT = "token_normalizer";

let combineId = 0;

/** Per example: the weighted sum of its k consecutive rows, [N] -> [N/k]. */
function combine<V>(g: LossGraph<V>, x: V, weights: number[]): V {
  const k = weights.length;
  const id = combineId++;
  const grouped = g.reshapeInfer(x, [-1, k], [`loss_examples_${id}`, k]);
  return g.reshapeInfer(g.matmul(grouped, g.constant(weights, [k, 1])), [-1], [`loss_examples_${id}`]);
}

/** sigmoid: (1-eps) softplus(-beta z) + eps softplus(beta z); hinge: relu(1 - beta z); ipo: (z - 1/(2 beta))^2. */
function link<V>(g: LossGraph<V>, z: V, o: LossOptions): V {
  const bz = g.mul(z, g.scalar(o.beta));
  switch (o.lossType) {
    case "sigmoid": {
      const main = g.softplus(g.neg(bz));
      if (o.labelSmoothing === 0) return main;
      return g.add(g.mul(main, g.scalar(1 - o.labelSmoothing)), g.mul(g.softplus(bz), g.scalar(o.labelSmoothing)));
    }
    case "hinge": {
      const m = g.sub(g.scalar(1), bz);
      return g.where(g.less(g.scalar(0), m), m, g.mul(m, g.scalar(0)));
    }
    case "ipo": {
      const d = g.sub(z, g.scalar(1 / (2 * o.beta)));
      return g.mul(d, d);
    }
  }
}

/** Build the batch-mean loss of `method` (plus pref_ftx) on the context's per-sequence values. */
export function buildGraphLoss<V>(g: LossGraph<V>, ctx: LossGraphContext<V>, method: Method, o: LossOptions): V {
  const k = METHOD_SEQUENCES[method].length;
  const avg = () => g.div(ctx.logpSum, ctx.count);
  const delta = () => {
    const d = g.sub(ctx.logpSum, ctx.refLogp);
    return o.lossType === "ipo" ? g.div(d, ctx.count) : d;
  };
  const mean = (x: V) => g.reduceMean(x, [0], false);
  const withFtx = (loss: V, ftxWeights: number[]) =>
    o.prefFtx > 1e-6 ? g.add(loss, g.mul(combine(g, g.neg(avg()), ftxWeights), g.scalar(o.prefFtx))) : loss;
  if (k === 0) throw new Error(`no sequences for ${method}`);
  switch (method) {
    case "sft": {
      const normalizer = ctx.input(TOKEN_NORMALIZER_INPUT, [1]);
      return g.div(g.neg(g.reduceSum(ctx.logpSum, [0], true)), normalizer);
    }
    case "dpo":
      return mean(withFtx(link(g, combine(g, delta(), [1, -1]), o), [1, 0]));
    case "iopo":
      // z = (Pi_1 + Pi_2)/2 = D11 - D12 + D22 - D21
      return mean(withFtx(link(g, combine(g, delta(), [1, -1, 1, -1]), o), [1, 0, 1, 0]));
    case "iopo_star":
      // rows: (x1,y1), (x1,y2), (x2,y1); z = Pi_1 = 2 D11 - D12 - D21
      return mean(withFtx(link(g, combine(g, delta(), [2, -1, -1]), o), [1, 0, 0]));
    case "iopo_input_only":
    case "iopo_output_only": {
      const d = delta();
      const [wa, wb] =
        method === "iopo_input_only"
          ? [
              [1, 0, 0, -1],
              [0, -1, 1, 0],
            ]
          : [
              [1, -1, 0, 0],
              [0, 0, 1, -1],
            ];
      const l = g.mul(g.add(link(g, combine(g, d, wa), o), link(g, combine(g, d, wb), o)), g.scalar(0.5));
      return mean(withFtx(l, [1, 0, 1, 0]));
    }
    case "simpo": {
      const z = g.sub(combine(g, avg(), [1, -1]), g.scalar(o.simpoGamma / o.beta));
      return mean(withFtx(link(g, z, o), [1, 0]));
    }
    case "orpo": {
      const m = avg();
      // log odds(m) = m - log(1 - e^m)
      const logOdds = g.sub(m, g.log(g.sub(g.scalar(1), g.exp(m))));
      const or = g.softplus(g.neg(combine(g, logOdds, [1, -1])));
      const nll = combine(g, g.neg(m), [1, 0]);
      return mean(withFtx(g.add(nll, g.mul(or, g.scalar(o.beta))), [1, 0]));
    }
  }
}
