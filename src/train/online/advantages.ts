/**
 * The per-token arithmetic of the online methods between rollout and update, in float64 JavaScript: KL estimators,
 * PPO's per-token rewards, generalised advantage estimation, whitening, and GRPO's group-normalised advantages.
 * A batch is ragged: one array per completion, one entry per scored completion token (TRL's `padding_mask` /
 * `completion_mask` are the array lengths here). Semantics follow TRL (trl/experimental/ppo/ppo_trainer.py,
 * trl/trainer/grpo_trainer.py); differences are named where they occur.
 */

export type KlEstimator = "k1" | "k3";
export type ScaleRewards = "group" | "batch" | "none";

/** Mean over every entry of a ragged batch (NaN for an empty batch). */
export function raggedMean(xs: readonly ArrayLike<number>[]): number {
  let s = 0;
  let n = 0;
  for (const x of xs)
    for (let i = 0; i < x.length; i++) {
      s += x[i]!;
      n++;
    }
  return n > 0 ? s / n : Number.NaN;
}

/** Unbiased (Bessel-corrected) variance over every entry, as TRL's `masked_var(unbiased=True)`. */
export function raggedVar(xs: readonly ArrayLike<number>[]): number {
  const m = raggedMean(xs);
  let s = 0;
  let n = 0;
  for (const x of xs)
    for (let i = 0; i < x.length; i++) {
      s += (x[i]! - m) ** 2;
      n++;
    }
  if (n < 2) throw new Error("whitening needs at least two tokens in the batch");
  return (s / n) * (n / (n - 1));
}

/**
 * TRL's `masked_whiten`: (x - mean) / sqrt(var + 1e-8) over all tokens of the batch; with `shiftMean` false the
 * mean is added back (PPO's `whiten_rewards`).
 */
export function whiten(xs: readonly ArrayLike<number>[], shiftMean = true): Float64Array[] {
  const m = raggedMean(xs);
  const inv = 1 / Math.sqrt(raggedVar(xs) + 1e-8);
  return xs.map((x) => Float64Array.from(x, (v) => (v - m) * inv + (shiftMean ? 0 : m)));
}

/**
 * Per-token KL estimate of the policy from the reference at the sampled tokens (http://joschu.net/blog/kl-approx.html,
 * TRL's `kl_estimator`): k1 = log pi - log ref; k3 = (ref/pi - 1) - log(ref/pi), never negative.
 */
export function klPerToken(logp: ArrayLike<number>, ref: ArrayLike<number>, estimator: KlEstimator): Float64Array {
  return Float64Array.from({ length: logp.length }, (_, t) => {
    const logr = ref[t]! - logp[t]!;
    return estimator === "k1" ? -logr : Math.expm1(logr) - logr;
  });
}

/**
 * PPO's per-token reward: the non-score reward -kl_coef * kl_t on every token and the score added on the last
 * token. (TRL adds the score one position after the last token when the response is shorter than
 * `response_length`, a padded position whose value is still trained; we put it on the last token, the EOS when one
 * was sampled, which is where the reward model read it.)
 */
export function ppoTokenRewards(
  kl: ArrayLike<number>,
  klCoef: number,
  score: number,
): { rewards: Float64Array; nonScore: Float64Array } {
  const nonScore = Float64Array.from(kl, (k) => -klCoef * k);
  const rewards = Float64Array.from(nonScore);
  if (rewards.length > 0) rewards[rewards.length - 1]! += score;
  return { rewards, nonScore };
}

/**
 * Generalised advantage estimation (Schulman et al. 2016) over one response, as TRL's PPO computes it:
 *   delta_t = r_t + gamma V_{t+1} - V_t   (V after the last token is 0)
 *   A_t = delta_t + gamma lam A_{t+1},    returns_t = A_t + V_t
 */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  gamma: number,
  lam: number,
): { advantages: Float64Array; returns: Float64Array } {
  const n = rewards.length;
  if (values.length !== n) throw new Error(`gae: ${n} rewards but ${values.length} values`);
  const advantages = new Float64Array(n);
  let last = 0;
  for (let t = n - 1; t >= 0; t--) {
    const next = t < n - 1 ? values[t + 1]! : 0;
    const delta = rewards[t]! + gamma * next - values[t]!;
    last = delta + gamma * lam * last;
    advantages[t] = last;
  }
  const returns = Float64Array.from(advantages, (a, t) => a + values[t]!);
  return { advantages, returns };
}

/** TRL's `nanstd`: Bessel-corrected standard deviation of the non-NaN values (NaN with fewer than two). */
export function nanStd(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x));
  if (v.length < 2) return Number.NaN;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt((v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) * (v.length / (v.length - 1)));
}

export function nanMean(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
}

export interface GroupAdvantages {
  advantages: Float64Array;
  /** per completion: the std its advantage was scaled by is (close to) zero - TRL's `frac_reward_zero_std` */
  stdZero: boolean[];
}

/**
 * GRPO's advantages (TRL `multi_objective_aggregation: sum_then_normalize`): with `rewards` the weighted sums of
 * consecutive groups of `numGenerations` completions of one prompt, A_i = r_i - mean(group), divided by
 * std(group) + 1e-4 (`scale_rewards: group`), by the batch std + 1e-4 (`batch`) or not at all (`none`). NaN rewards
 * (no reward function could score the completion) are left out of the means and get advantage 0.
 */
export function groupAdvantages(
  rewards: readonly number[],
  numGenerations: number,
  scale: ScaleRewards,
): GroupAdvantages {
  const n = rewards.length;
  if (n % numGenerations !== 0) throw new Error(`${n} rewards are not groups of ${numGenerations}`);
  const advantages = new Float64Array(n);
  const stdZero: boolean[] = [];
  const batchStd = n > 1 ? nanStd(rewards) : 0;
  for (let g0 = 0; g0 < n; g0 += numGenerations) {
    const group = rewards.slice(g0, g0 + numGenerations);
    const mean = nanMean(group);
    const std = scale === "batch" ? batchStd : numGenerations > 1 ? nanStd(group) : 0;
    for (let k = 0; k < numGenerations; k++) {
      let a = group[k]! - mean;
      if (scale !== "none") a /= std + 1e-4;
      advantages[g0 + k] = Number.isNaN(a) ? 0 : a;
      stdZero.push(Math.abs(std) <= 1e-8);
    }
  }
  return { advantages, stdZero };
}
