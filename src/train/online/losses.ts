/**
 * The losses of the online methods, each twice: a plain float64 function that states it (and gives the logged
 * metrics), and the graph form the engine differentiates together with the decoder (per-token heads of
 * src/model/decoder-heads.ts). Tests hold the two to each other, to hand-computed values and to finite differences.
 *
 *   reward model  -log sigma(r_chosen - r_rejected) [+ c * (r_chosen + r_rejected)^2]      TRL RewardTrainer
 *   PPO           max(-A r, -A clip(r, 1 +- eps)) + vf_coef * 0.5 max((V - R)^2, (clip(V, V_old +- eps_v) - R)^2)
 *                                                                                     TRL PPOTrainer (PPOv2)
 *   GRPO          -min(r A, clip(r, 1 - eps_low, 1 + eps_high) A) + beta * k3(ref, pi)           TRL GRPOTrainer
 *
 * with r = exp(log pi - log pi_old) per token. Aggregation over tokens is a per-token weight fed with the batch
 * (`weight`): the loss is sum_t w_t l_t, so the masked means and TRL's `loss_type` normalisations (grpo, bnpo,
 * dr_grpo, dapo) and gradient accumulation are all just weights (see `grpoTokenWeights`, `meanTokenWeights`).
 */

/** The few graph operations the losses use (the engine's Graph satisfies it structurally). */
export interface OnlineLossGraph<V> {
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  neg(x: V): V;
  exp(x: V): V;
  softplus(x: V): V;
  where(cond: V, a: V, b: V): V;
  less(a: V, b: V): V;
  matmul(a: V, b: V): V;
  reshapeInfer(x: V, target: number[], dims: (number | string)[]): V;
  reduceSum(x: V, axes: number[], keepdims?: boolean): V;
  reduceMean(x: V, axes: number[], keepdims?: boolean): V;
  constant(data: ArrayLike<number>, shape: number[]): V;
  scalar(x: number): V;
}

/** What the losses read from the engine step (src/model/decoder-heads.ts HeadsLossContext, structurally). */
export interface OnlineLossContext<V> {
  logp?: V;
  values?: V;
  score?: V;
  tokenInput(name: string): V;
  scalarInput(name: string): V;
  stopGradient(x: V): V;
}

const clip = <V>(g: OnlineLossGraph<V>, x: V, lo: V, hi: V): V =>
  g.where(g.less(x, lo), lo, g.where(g.less(hi, x), hi, x));
const max = <V>(g: OnlineLossGraph<V>, a: V, b: V): V => g.where(g.less(a, b), b, a);
const min = <V>(g: OnlineLossGraph<V>, a: V, b: V): V => g.where(g.less(b, a), b, a);
const weightedSum = <V>(g: OnlineLossGraph<V>, x: V, w: V): V => g.reduceSum(g.mul(x, w), [0], false);

// ---------------------------------------------------------------- reward model

export interface RewardLossOptions {
  /** TRL `center_rewards_coefficient`: adds c * mean((r_chosen + r_rejected)^2) (Eisenstein et al. 2023) */
  centerRewardsCoefficient?: number;
}

export interface RewardLossOutput {
  loss: number;
  metrics: { accuracy: number; margin: number; min_reward: number; mean_reward: number; max_reward: number };
}

/** Bradley-Terry over pairs; `scores` are [chosen_0, rejected_0, chosen_1, rejected_1, ...]. */
export function rewardLoss(scores: ArrayLike<number>, o: RewardLossOptions = {}): RewardLossOutput {
  const n = scores.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new Error("reward loss: scores must be chosen/rejected pairs");
  let loss = 0;
  let center = 0;
  let correct = 0;
  let margin = 0;
  for (let i = 0; i < n; i++) {
    const c = scores[2 * i]!;
    const r = scores[2 * i + 1]!;
    const d = c - r;
    loss += d > 0 ? Math.log1p(Math.exp(-d)) : -d + Math.log1p(Math.exp(d)); // -log sigmoid(d), stable
    center += (c + r) ** 2;
    if (c > r) correct++;
    margin += d;
  }
  const all = Array.from(scores);
  return {
    loss: loss / n + (o.centerRewardsCoefficient ?? 0) * (center / n),
    metrics: {
      accuracy: correct / n,
      margin: margin / n,
      min_reward: Math.min(...all),
      mean_reward: all.reduce((a, b) => a + b, 0) / all.length,
      max_reward: Math.max(...all),
    },
  };
}

let pairId = 0;

/** The graph form of `rewardLoss` on the score head ([N] = 2 x pairs, chosen first). */
export function rewardGraphLoss(o: RewardLossOptions = {}) {
  return <V>(g: OnlineLossGraph<V>, ctx: OnlineLossContext<V>): V => {
    if (!ctx.score) throw new Error("the reward loss needs the score head");
    const dim = `rm_pairs_${pairId++}`;
    const pairs = g.reshapeInfer(ctx.score, [-1, 2], [dim, 2]);
    const margin = g.reshapeInfer(g.matmul(pairs, g.constant([1, -1], [2, 1])), [-1], [dim]);
    let loss = g.reduceMean(g.softplus(g.neg(margin)), [0], false);
    const c = o.centerRewardsCoefficient ?? 0;
    if (c !== 0) {
      const sum = g.reshapeInfer(g.matmul(pairs, g.constant([1, 1], [2, 1])), [-1], [dim]);
      loss = g.add(loss, g.mul(g.reduceMean(g.mul(sum, sum), [0], false), g.scalar(c)));
    }
    return loss;
  };
}

// ---------------------------------------------------------------- PPO

export interface PpoLossOptions {
  cliprange: number;
  cliprangeValue: number;
  vfCoef: number;
}

/** One PPO micro-batch, ragged per completion. */
export interface PpoTokens {
  logp: readonly ArrayLike<number>[];
  oldLogp: readonly ArrayLike<number>[];
  advantages: readonly ArrayLike<number>[];
  values: readonly ArrayLike<number>[];
  oldValues: readonly ArrayLike<number>[];
  returns: readonly ArrayLike<number>[];
}

export interface PpoLossOutput {
  /** pg_loss + vf_coef * vf_loss */
  loss: number;
  /** masked means over the micro-batch's tokens (TRL's per-micro-batch statistics) */
  pgLoss: number;
  vfLoss: number;
  pgClipfrac: number;
  vfClipfrac: number;
  approxkl: number;
  ratio: number;
}

/**
 * TRL PPOTrainer's micro-batch loss: masked means over the completion tokens of
 *   pg = max(-A r, -A clip(r, 1 - eps, 1 + eps)),  vf = 0.5 max((V - R)^2, (clip(V, V_old - eps_v, V_old + eps_v) - R)^2),
 * loss = pg + vf_coef vf; clipfrac = share of tokens where the clipped term is the larger; approxkl = 0.5 mean((log r)^2).
 * (TRL's value mask reaches one token further, where it put the score; ours is the completion, where we put it.
 * Its `approxkl` and `ratio` average over padded positions too, which only dilute them; ours do not.)
 */
export function ppoLoss(b: PpoTokens, o: PpoLossOptions): PpoLossOutput {
  let n = 0;
  let pg = 0;
  let vf = 0;
  let pgClip = 0;
  let vfClip = 0;
  let kl = 0;
  let ratioSum = 0;
  b.logp.forEach((lp, i) => {
    for (let t = 0; t < lp.length; t++) {
      const diff = lp[t]! - b.oldLogp[i]![t]!;
      const ratio = Math.exp(diff);
      const a = b.advantages[i]![t]!;
      const pg1 = -a * ratio;
      const pg2 = -a * Math.min(Math.max(ratio, 1 - o.cliprange), 1 + o.cliprange);
      pg += Math.max(pg1, pg2);
      if (pg2 > pg1) pgClip++;
      const v = b.values[i]![t]!;
      const vOld = b.oldValues[i]![t]!;
      const R = b.returns[i]![t]!;
      const vClipped = Math.min(Math.max(v, vOld - o.cliprangeValue), vOld + o.cliprangeValue);
      const vf1 = (v - R) ** 2;
      const vf2 = (vClipped - R) ** 2;
      vf += Math.max(vf1, vf2);
      if (vf2 > vf1) vfClip++;
      kl += diff * diff;
      ratioSum += ratio;
      n++;
    }
  });
  if (n === 0) throw new Error("PPO loss over a micro-batch without completion tokens");
  const pgLoss = pg / n;
  const vfLoss = (0.5 * vf) / n;
  return {
    loss: pgLoss + o.vfCoef * vfLoss,
    pgLoss,
    vfLoss,
    pgClipfrac: pgClip / n,
    vfClipfrac: vfClip / n,
    approxkl: (0.5 * kl) / n,
    ratio: ratioSum / n,
  };
}

/**
 * The graph form of `ppoLoss`: token inputs old_logp, advantages, returns, old_values and `weight` (1 / tokens of
 * the micro-batch, times the micro-batch's share of the optimizer step: masked means under accumulation).
 */
export function ppoGraphLoss(o: PpoLossOptions) {
  return <V>(g: OnlineLossGraph<V>, ctx: OnlineLossContext<V>): V => {
    if (!ctx.logp || !ctx.values) throw new Error("the PPO loss needs per-token log-probs and values");
    const w = ctx.tokenInput("weight");
    const adv = ctx.tokenInput("advantages");
    const ratio = g.exp(g.sub(ctx.logp, ctx.tokenInput("old_logp")));
    const pg1 = g.neg(g.mul(adv, ratio));
    const pg2 = g.neg(g.mul(adv, clip(g, ratio, g.scalar(1 - o.cliprange), g.scalar(1 + o.cliprange))));
    const pg = weightedSum(g, max(g, pg1, pg2), w);
    const oldV = ctx.tokenInput("old_values");
    const R = ctx.tokenInput("returns");
    const vClipped = clip(
      g,
      ctx.values,
      g.sub(oldV, g.scalar(o.cliprangeValue)),
      g.add(oldV, g.scalar(o.cliprangeValue)),
    );
    const d1 = g.sub(ctx.values, R);
    const d2 = g.sub(vClipped, R);
    const vf = weightedSum(g, max(g, g.mul(d1, d1), g.mul(d2, d2)), w);
    return g.add(pg, g.mul(vf, g.scalar(0.5 * o.vfCoef)));
  };
}

// ---------------------------------------------------------------- GRPO

export const GRPO_LOSS_TYPES = ["grpo", "bnpo", "dr_grpo", "dapo"] as const;
export type GrpoLossType = (typeof GRPO_LOSS_TYPES)[number];

export interface GrpoLossOptions {
  epsilonLow: number;
  epsilonHigh: number;
  /** KL coefficient (TRL default 0: no reference model) */
  beta: number;
}

export interface GrpoTokenTerms {
  loss: Float64Array;
  /** r < 1 - eps_low with A < 0 (TRL `clip_ratio/low_*`) */
  low: boolean[];
  /** r > 1 + eps_high with A > 0 (TRL `clip_ratio/high_*`) */
  high: boolean[];
  kl: Float64Array;
}

/**
 * TRL GRPOTrainer's per-token loss of one completion: -min(r A, clip(r, 1 - eps_low, 1 + eps_high) A)
 * + beta (exp(ref - logp) - (ref - logp) - 1), with its clipping indicators.
 */
export function grpoTokenTerms(
  logp: ArrayLike<number>,
  oldLogp: ArrayLike<number>,
  advantage: number,
  refLogp: ArrayLike<number> | undefined,
  o: GrpoLossOptions,
): GrpoTokenTerms {
  const n = logp.length;
  const loss = new Float64Array(n);
  const kl = new Float64Array(n);
  const low: boolean[] = [];
  const high: boolean[] = [];
  for (let t = 0; t < n; t++) {
    const ratio = Math.exp(logp[t]! - oldLogp[t]!);
    const clipped = Math.min(Math.max(ratio, 1 - o.epsilonLow), 1 + o.epsilonHigh);
    loss[t] = -Math.min(ratio * advantage, clipped * advantage);
    if (o.beta !== 0) {
      const d = refLogp![t]! - logp[t]!;
      kl[t] = Math.expm1(d) - d;
      loss[t]! += o.beta * kl[t]!;
    }
    low.push(ratio < 1 - o.epsilonLow && advantage < 0);
    high.push(ratio > 1 + o.epsilonHigh && advantage > 0);
  }
  return { loss, low, high, kl };
}

/**
 * Per-token weights of TRL's `loss_type` aggregations, for an optimizer step of micro-batches (completion lengths
 * per micro-batch), so that sum over the step of w_t l_t is TRL's accumulated loss:
 *   grpo     mean over completions of (sum_t l_t / |o_i|), per micro-batch, averaged over micro-batches
 *   bnpo     sum_t l_t / (tokens of the micro-batch), averaged over micro-batches
 *   dr_grpo  sum_t l_t / (completions of the micro-batch x max_completion_length), averaged over micro-batches
 *   dapo     sum_t l_t / (tokens of the whole optimizer step)
 * Returns one weight per completion (the same for all its tokens), per micro-batch.
 */
export function grpoTokenWeights(
  lengths: readonly (readonly number[])[],
  lossType: GrpoLossType,
  maxCompletionLength: number,
): number[][] {
  const micro = lengths.length;
  const stepTokens = lengths.flat().reduce((a, b) => a + b, 0);
  return lengths.map((ls) => {
    const tokens = ls.reduce((a, b) => a + b, 0);
    return ls.map((len) => {
      if (lossType === "grpo") return 1 / (Math.max(len, 1) * ls.length * micro);
      if (lossType === "bnpo") return 1 / (Math.max(tokens, 1) * micro);
      if (lossType === "dr_grpo") return 1 / (ls.length * maxCompletionLength * micro);
      return 1 / Math.max(stepTokens, 1); // dapo
    });
  });
}

/** Masked-mean weights under accumulation: 1 / (tokens of the micro-batch x micro-batches), per completion. */
export function meanTokenWeights(lengths: readonly (readonly number[])[]): number[][] {
  return lengths.map((ls) => {
    const tokens = ls.reduce((a, b) => a + b, 0);
    return ls.map(() => 1 / (Math.max(tokens, 1) * lengths.length));
  });
}

/**
 * The graph form of the GRPO loss: token inputs advantages, weight, old_logp (when `oldLogp` is "input"; with one
 * iteration per generation TRL uses the current log-probs detached, r = 1 in value) and ref_logp (when beta != 0).
 */
export function grpoGraphLoss(o: GrpoLossOptions & { oldLogp: "input" | "detached" }) {
  return <V>(g: OnlineLossGraph<V>, ctx: OnlineLossContext<V>): V => {
    if (!ctx.logp) throw new Error("the GRPO loss needs per-token log-probs");
    const logp = ctx.logp;
    const old = o.oldLogp === "input" ? ctx.tokenInput("old_logp") : ctx.stopGradient(logp);
    const adv = ctx.tokenInput("advantages");
    const ratio = g.exp(g.sub(logp, old));
    const l1 = g.mul(ratio, adv);
    const l2 = g.mul(clip(g, ratio, g.scalar(1 - o.epsilonLow), g.scalar(1 + o.epsilonHigh)), adv);
    let perToken = g.neg(min(g, l1, l2));
    if (o.beta !== 0) {
      const d = g.sub(ctx.tokenInput("ref_logp"), logp);
      const kl = g.sub(g.sub(g.exp(d), d), g.scalar(1));
      perToken = g.add(perToken, g.mul(kl, g.scalar(o.beta)));
    }
    return weightedSum(g, perToken, ctx.tokenInput("weight"));
  };
}
