import { preferenceLink } from "./math.js";
import { addPairMetrics, MetricMeans } from "./metrics.js";
import { type Example, type ExampleGrad, type LossOptions, type LossOutput, requireSeq } from "./types.js";

/**
 * DPO (Rafailov et al. 2023, eq. 7) with TRL/LLaMA-Factory variants:
 *   z = [log pi(y_w|x) - log pi_ref(y_w|x)] - [log pi(y_l|x) - log pi_ref(y_l|x)]
 *   sigmoid: -(1-eps) log sigma(beta z) - eps log sigma(-beta z)   (eps = label smoothing, cDPO)
 *   hinge:   relu(1 - beta z);   ipo: (z - 1/(2 beta))^2 on length-normalised log-probs (Azar et al. eq. 17)
 * plus pref_ftx * (-log pi(y_w|x)/|y_w|) (LLaMA-Factory's SFT term on the chosen response). Batch mean.
 */
export function dpoLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  const B = batch.length;
  const norm = opts.lossType === "ipo";
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const c = requireSeq(ex, "chosen", i, true);
    const r = requireSeq(ex, "rejected", i, true);
    const nc = norm ? c.tokens : 1;
    const nr = norm ? r.tokens : 1;
    const z = (c.policy - c.reference!) / nc - (r.policy - r.reference!) / nr;
    const link = preferenceLink(z, opts.beta, opts.lossType, opts.labelSmoothing);
    let li = link.loss;
    let gc = link.dz / nc;
    const gr = -link.dz / nr;
    if (opts.prefFtx > 1e-6) {
      const sft = -c.policy / c.tokens;
      li += opts.prefFtx * sft;
      gc += -opts.prefFtx / c.tokens;
      m.add("sft_loss", sft);
    }
    loss += li / B;
    grad.push({ chosen: gc / B, rejected: gr / B });
    addPairMetrics(m, "", opts.beta, c, r, norm);
  });
  return { loss, grad, metrics: m.result() };
}
