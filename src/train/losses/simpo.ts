import { preferenceLink } from "./math.js";
import { addPairMetrics, MetricMeans } from "./metrics.js";
import { type Example, type ExampleGrad, type LossOptions, type LossOutput, requireSeq } from "./types.js";

/**
 * SimPO (Meng et al. 2024, eq. 6): reference-free, length-normalised, with a target margin gamma:
 *   z = log pi(y_w|x)/|y_w| - log pi(y_l|x)/|y_l| - gamma/beta,
 *   loss = -(1-eps) log sigma(beta z) - eps log sigma(-beta z)   (hinge: relu(1 - beta z))
 * i.e. -log sigma(beta (avg_w - avg_l) - gamma) without smoothing (LLaMA-Factory `simpo_loss`, TRL CPO simpo).
 * Rewards are beta * mean token log-probs. Plus pref_ftx * (-avg_w). Batch mean.
 */
export function simpoLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  if (opts.lossType === "ipo") throw new Error("simpo supports loss_type sigmoid or hinge, not ipo");
  const B = batch.length;
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const c = requireSeq(ex, "chosen", i, false);
    const r = requireSeq(ex, "rejected", i, false);
    const ac = c.policy / c.tokens;
    const ar = r.policy / r.tokens;
    const z = ac - ar - opts.simpoGamma / opts.beta;
    const link = preferenceLink(z, opts.beta, opts.lossType, opts.labelSmoothing);
    let li = link.loss;
    let gc = link.dz / c.tokens;
    if (opts.prefFtx > 1e-6) {
      li += opts.prefFtx * -ac;
      gc -= opts.prefFtx / c.tokens;
      m.add("sft_loss", -ac);
    }
    loss += li / B;
    grad.push({ chosen: gc / B, rejected: -link.dz / r.tokens / B });
    addPairMetrics(m, "", opts.beta, { ...c, reference: undefined }, { ...r, reference: undefined }, true);
  });
  return { loss, grad, metrics: m.result() };
}
