import type { SeqLogps } from "./types.js";

/**
 * Collects per-example metric values and averages them over the batch (TRL logs batch means). A `weight` makes it
 * a weighted mean: the `logits/...` metrics weigh each sequence's mean logit by its response tokens, which gives
 * TRL's mean over all response positions and vocabulary entries of the batch.
 */
export class MetricMeans {
  private sums = new Map<string, number>();
  private counts = new Map<string, number>();
  add(name: string, value: number, weight = 1): void {
    this.sums.set(name, (this.sums.get(name) ?? 0) + weight * value);
    this.counts.set(name, (this.counts.get(name) ?? 0) + weight);
  }
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / this.counts.get(k)!;
    return out;
  }
}

/**
 * TRL's per-pair reward metrics (dpo_trainer "Logged metrics"): rewards/chosen = beta (log pi - log pi_ref) of the
 * chosen sequence, likewise rejected, accuracies = 1[chosen > rejected], margins = chosen - rejected, plus the
 * log-probs used by the loss and, when the engine supplies them, the mean raw logits. `suffix` is "" for DPO and
 * "_v1"/"_v2" for the official IOPO trainer's two matched pairs. `norm` divides log-probs by the token count
 * (ipo/simpo/orpo use length-normalised log-probs, as LLaMA-Factory does); reference-free losses pass no reference.
 */
export function addPairMetrics(
  m: MetricMeans,
  suffix: string,
  beta: number,
  chosen: SeqLogps,
  rejected: SeqLogps,
  norm: boolean,
): void {
  const lc = norm ? chosen.policy / chosen.tokens : chosen.policy;
  const lr = norm ? rejected.policy / rejected.tokens : rejected.policy;
  const rc = chosen.reference === undefined ? 0 : norm ? chosen.reference / chosen.tokens : chosen.reference;
  const rr = rejected.reference === undefined ? 0 : norm ? rejected.reference / rejected.tokens : rejected.reference;
  const chosenReward = beta * (lc - rc);
  const rejectedReward = beta * (lr - rr);
  m.add(`rewards/chosen${suffix}`, chosenReward);
  m.add(`rewards/rejected${suffix}`, rejectedReward);
  m.add(`rewards/accuracies${suffix}`, chosenReward > rejectedReward ? 1 : 0);
  m.add(`rewards/margins${suffix}`, chosenReward - rejectedReward);
  m.add(`logps/chosen${suffix}`, lc);
  m.add(`logps/rejected${suffix}`, lr);
  if (chosen.reference !== undefined) m.add(`logps/ref_chosen${suffix}`, rc);
  if (rejected.reference !== undefined) m.add(`logps/ref_rejected${suffix}`, rr);
  addLogits(m, `logits/chosen${suffix}`, chosen);
  addLogits(m, `logits/rejected${suffix}`, rejected);
}

/** Metrics of a single sequence (IOPO* has a third, unpaired sequence rejected_v2 = (x2,y1)). */
export function addSingleMetrics(m: MetricMeans, name: string, beta: number, seq: SeqLogps, norm: boolean): void {
  const l = norm ? seq.policy / seq.tokens : seq.policy;
  const r = seq.reference === undefined ? 0 : norm ? seq.reference / seq.tokens : seq.reference;
  m.add(`rewards/${name}`, beta * (l - r));
  m.add(`logps/${name}`, l);
  if (seq.reference !== undefined) m.add(`logps/ref_${name}`, r);
  addLogits(m, `logits/${name}`, seq);
}

/**
 * TRL's `logits/<name>`: mean raw logit over all response positions and vocabulary entries of the batch's
 * sequences of that name (`logits[loss_mask].mean()`), i.e. per-sequence means weighted by response tokens.
 */
function addLogits(m: MetricMeans, name: string, seq: SeqLogps): void {
  if (seq.logitsMean !== undefined) m.add(name, seq.logitsMean, seq.tokens);
}
