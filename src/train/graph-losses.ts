import type { LossOptions, Method, SequenceScore } from "./losses/index.js";
import { METHOD_WEIGHTS } from "./losses/index.js";

/**
 * The training form of every loss: one computation graph per method, built from its row of METHOD_WEIGHTS
 * (losses/methods.ts: the per-sequence weights of eq. 9, eq. 11, the ablations, DPO, SimPO, ORPO, SFT) for the
 * engine's training step, which differentiates it together with the decoder. An example's sequences are consecutive
 * rows in METHOD_SEQUENCES order (IOPO: (x1,y1), (x1,y2), (x2,y2), (x2,y1)). The scalar losses in ./losses state
 * each equation on its own and provide the logged metrics; tests hold the two to each other and to finite
 * differences.
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

/** SFT's extra step input: the response tokens the summed NLL is divided by (those of the whole optimizer step). */
export function tokenNormalizerInput(tokens: number): Record<string, { data: Float32Array; dims: number[] }> {
  return { [TOKEN_NORMALIZER_INPUT]: { data: Float32Array.of(tokens), dims: [1] } };
}

let combineId = 0;

/** Per example: the weighted sum of its k consecutive rows, [N] -> [N/k]. */
function combine<V>(g: LossGraph<V>, x: V, weights: readonly number[]): V {
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

/** The per-sequence values the method's weights multiply ([N]; see SequenceScore); `mean` gives log pi(y|x) / |y|. */
function sequenceScores<V>(
  g: LossGraph<V>,
  ctx: LossGraphContext<V>,
  score: SequenceScore,
  o: LossOptions,
  mean: () => V,
): V {
  switch (score) {
    case "logp":
      return ctx.logpSum;
    case "log_ratio": {
      const d = g.sub(ctx.logpSum, ctx.refLogp);
      return o.lossType === "ipo" ? g.div(d, ctx.count) : d;
    }
    case "mean_logp":
      return mean();
    case "log_odds": {
      // log odds(m) = m - log(1 - e^m)
      const m = mean();
      return g.sub(m, g.log(g.sub(g.scalar(1), g.exp(m))));
    }
  }
}

/** The mean of an example's preference terms (one, or the two of an ablation). */
function meanOf<V>(g: LossGraph<V>, terms: V[]): V {
  if (terms.length === 1) return terms[0]!;
  return g.mul(
    terms.reduce((a, b) => g.add(a, b)),
    g.scalar(1 / terms.length),
  );
}

function meanLogp<V>(g: LossGraph<V>, ctx: LossGraphContext<V>): V {
  return g.div(ctx.logpSum, ctx.count);
}

/**
 * Build the batch-mean loss of `method` (plus pref_ftx) on the context's per-sequence values, from the method's row
 * of METHOD_WEIGHTS: per example, the preference logits z = weights . scores of its consecutive rows, the link on
 * each (their mean when there are two, as the ablations), the SFT term on the chosen sequences.
 */
export function buildGraphLoss<V>(g: LossGraph<V>, ctx: LossGraphContext<V>, method: Method, o: LossOptions): V {
  const w = METHOD_WEIGHTS[method];
  if (method === "sft") {
    // -sum_i log pi(y_i|x_i) / (response tokens of the whole optimizer step)
    const normalizer = ctx.input(TOKEN_NORMALIZER_INPUT, [1]);
    return g.div(g.neg(g.reduceSum(ctx.logpSum, [0], true)), normalizer);
  }
  let mean: V | undefined;
  const scores = sequenceScores(g, ctx, w.score, o, () => (mean ??= meanLogp(g, ctx)));
  const logits = w.logits.map((row) => combine(g, scores, row));
  let loss: V;
  if (method === "orpo") {
    // NLL(y_w) + lambda * -log sigma(log odds(y_w) - log odds(y_l)), lambda = beta
    const nll = combine(g, g.neg(mean!), w.sft);
    loss = g.add(nll, g.mul(g.softplus(g.neg(logits[0]!)), g.scalar(o.beta)));
  } else {
    // SimPO's target margin: z - gamma / beta
    const z = method === "simpo" ? logits.map((l) => g.sub(l, g.scalar(o.simpoGamma / o.beta))) : logits;
    loss = meanOf(
      g,
      z.map((l) => link(g, l, o)),
    );
  }
  if (o.prefFtx > 1e-6) loss = g.add(loss, g.mul(combine(g, g.neg(meanLogp(g, ctx)), w.sft), g.scalar(o.prefFtx)));
  return g.reduceMean(loss, [0], false);
}

/**
 * `method`'s loss as the engine training step's `loss` option (src/model/decoder.ts createTrainingStep). With SFT the
 * step's `extra` inputs must carry tokenNormalizerInput(tokens).
 */
export function trainingLoss(method: Method, o: LossOptions) {
  return <V>(g: LossGraph<V>, ctx: LossGraphContext<V>): V => buildGraphLoss(g, ctx, method, o);
}
