import { preferenceLink } from "./math.js";
import { IOPO_STAR_PI1_SCALE } from "./methods.js";
import { addPairMetrics, addSingleMetrics, MetricMeans } from "./metrics.js";
import { type Example, type ExampleGrad, type LossOptions, type LossOutput, requireSeq } from "./types.js";

/**
 * Delta_ab = log pi(y_b|x_a) - log pi_ref(y_b|x_a) for the four sequences of a group, in the official trainer's
 * names: D11 = chosen_v1 (x1,y1), D12 = rejected_v1 (x1,y2), D22 = chosen_v2 (x2,y2), D21 = rejected_v2 (x2,y1).
 * With `norm` (ipo) the log-probs are divided by the response length first.
 */
function delta(ex: Example, name: "chosen_v1" | "rejected_v1" | "chosen_v2" | "rejected_v2", i: number, norm: boolean) {
  const s = requireSeq(ex, name, i, true);
  const n = norm ? s.tokens : 1;
  return { seq: s, d: (s.policy - s.reference!) / n, dd: 1 / n };
}

type Delta = ReturnType<typeof delta>;

/**
 * What every four-sequence IOPO variant adds per group: the official SFT term on the matched pairs,
 * pref_ftx * (-log pi(y1|x1)/|y1| - log pi(y2|x2)/|y2|) (with its gradient added to `g`), the batch-mean scaling of
 * the loss and gradient, and the `_v1`/`_v2` metrics. Returns the group's share of the batch loss.
 */
function finishGroup(
  li: number,
  g: ExampleGrad,
  d: { d11: Delta; d12: Delta; d21: Delta; d22: Delta },
  opts: LossOptions,
  B: number,
  norm: boolean,
  m: MetricMeans,
): number {
  if (opts.prefFtx > 1e-6) {
    const sft = -d.d11.seq.policy / d.d11.seq.tokens - d.d22.seq.policy / d.d22.seq.tokens;
    li += opts.prefFtx * sft;
    g.chosen_v1 = (g.chosen_v1 ?? 0) - opts.prefFtx / d.d11.seq.tokens;
    g.chosen_v2 = (g.chosen_v2 ?? 0) - opts.prefFtx / d.d22.seq.tokens;
    m.add("sft_loss", sft);
  }
  for (const k of Object.keys(g) as (keyof ExampleGrad)[]) g[k]! /= B;
  addPairMetrics(m, "_v1", opts.beta, d.d11.seq, d.d12.seq, norm);
  addPairMetrics(m, "_v2", opts.beta, d.d22.seq, d.d21.seq, norm);
  return li / B;
}

/**
 * IOPO (Zhang et al. 2024, eq. 9), as the official `iopo_loss`:
 *   Pi_1 = 2 D11 - D12 - D21,  Pi_2 = 2 D22 - D21 - D12,  z = (Pi_1 + Pi_2) / 2 = D11 + D22 - D12 - D21
 *   loss = -(1-eps) log sigma(beta z) - eps log sigma(-beta z)    (hinge / ipo as for DPO)
 * i.e. a Bradley-Terry preference of the group {(x1,y1),(x2,y2)} over {(x1,y2),(x2,y1)}; plus the official SFT term
 *   pref_ftx * (-log pi(y1|x1)/|y1| - log pi(y2|x2)/|y2|). Batch mean.
 */
export function iopoLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  const B = batch.length;
  const norm = opts.lossType === "ipo";
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const d11 = delta(ex, "chosen_v1", i, norm);
    const d12 = delta(ex, "rejected_v1", i, norm);
    const d22 = delta(ex, "chosen_v2", i, norm);
    const d21 = delta(ex, "rejected_v2", i, norm);
    const pi1 = 2 * d11.d - d12.d - d21.d;
    const pi2 = 2 * d22.d - d21.d - d12.d;
    const z = 0.5 * (pi1 + pi2);
    const link = preferenceLink(z, opts.beta, opts.lossType, opts.labelSmoothing);
    const li = link.loss;
    // dz/dD11 = dz/dD22 = 1, dz/dD12 = dz/dD21 = -1
    const g: ExampleGrad = {
      chosen_v1: link.dz * d11.dd,
      rejected_v1: -link.dz * d12.dd,
      chosen_v2: link.dz * d22.dd,
      rejected_v2: -link.dz * d21.dd,
    };
    loss += finishGroup(li, g, { d11, d12, d21, d22 }, opts, B, norm, m);
    grad.push(g);
  });
  return { loss, grad, metrics: m.result() };
}

/**
 * IOPO* (appendix E, eq. 11): only the Pi_1 half of eq. 9, which needs three sequences (x1,y1), (x1,y2), (x2,y1)
 * instead of four:  z = Pi_1 = 2 D11 - D12 - D21,  loss = -(1-eps) log sigma(beta z) - eps log sigma(-beta z);
 * pref_ftx adds -log pi(y1|x1)/|y1|. Batch mean.
 */
export function iopoStarLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  const B = batch.length;
  const norm = opts.lossType === "ipo";
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const d11 = delta(ex, "chosen_v1", i, norm);
    const d12 = delta(ex, "rejected_v1", i, norm);
    const d21 = delta(ex, "rejected_v2", i, norm);
    const s = IOPO_STAR_PI1_SCALE;
    const z = s * (2 * d11.d - d12.d - d21.d);
    const link = preferenceLink(z, opts.beta, opts.lossType, opts.labelSmoothing);
    let li = link.loss;
    const g: ExampleGrad = {
      chosen_v1: 2 * s * link.dz * d11.dd,
      rejected_v1: -s * link.dz * d12.dd,
      rejected_v2: -s * link.dz * d21.dd,
    };
    if (opts.prefFtx > 1e-6) {
      const sft = -d11.seq.policy / d11.seq.tokens;
      li += opts.prefFtx * sft;
      g.chosen_v1! -= opts.prefFtx / d11.seq.tokens;
      m.add("sft_loss", sft);
    }
    loss += li / B;
    for (const k of Object.keys(g) as (keyof ExampleGrad)[]) g[k]! /= B;
    grad.push(g);
    addPairMetrics(m, "_v1", opts.beta, d11.seq, d12.seq, norm);
    addSingleMetrics(m, "rejected_v2", opts.beta, d21.seq, norm);
  });
  return { loss, grad, metrics: m.result() };
}

/**
 * The two ablations of Table 4 (arXiv footnotes 4 and 5) in their grouped form (`ablation_pairs: grouped`), on the
 * same groups as IOPO. Each pair is its own preference term and the group's loss is their mean (so
 * `iopo_output_only` equals DPO on the DPO* expansion of the same groups, batched together). The default
 * (`ablation_pairs: separate`, methods.ts trainingLossMethod) trains each pair as its own DPO-form example, with the
 * same mean loss and twice the examples:
 * - `iopo_input_only`  ("w/o Output Pref": same response, different inputs):  z_a = D11 - D21,  z_b = D22 - D12
 * - `iopo_output_only` ("w/o Input Pref": same input, different responses):   z_a = D11 - D12,  z_b = D22 - D21
 * loss = 1/2 [link(z_a) + link(z_b)] + pref_ftx * (-log pi(y1|x1)/|y1| - log pi(y2|x2)/|y2|). Batch mean.
 */
export function iopoAblationLoss(
  which: "input_only" | "output_only",
  batch: readonly Example[],
  opts: LossOptions,
): LossOutput {
  const B = batch.length;
  const norm = opts.lossType === "ipo";
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const d11 = delta(ex, "chosen_v1", i, norm);
    const d12 = delta(ex, "rejected_v1", i, norm);
    const d22 = delta(ex, "chosen_v2", i, norm);
    const d21 = delta(ex, "rejected_v2", i, norm);
    // The "other" sequence of each term: input-only contrasts inputs, output-only contrasts responses.
    const [oa, ob] = which === "input_only" ? [d21, d12] : [d12, d21];
    const la = preferenceLink(d11.d - oa.d, opts.beta, opts.lossType, opts.labelSmoothing);
    const lb = preferenceLink(d22.d - ob.d, opts.beta, opts.lossType, opts.labelSmoothing);
    const li = 0.5 * (la.loss + lb.loss);
    const g: ExampleGrad = { chosen_v1: 0.5 * la.dz * d11.dd, chosen_v2: 0.5 * lb.dz * d22.dd };
    const aName = which === "input_only" ? "rejected_v2" : "rejected_v1";
    const bName = which === "input_only" ? "rejected_v1" : "rejected_v2";
    g[aName] = -0.5 * la.dz * oa.dd;
    g[bName] = -0.5 * lb.dz * ob.dd;
    loss += finishGroup(li, g, { d11, d12, d21, d22 }, opts, B, norm, m);
    grad.push(g);
  });
  return { loss, grad, metrics: m.result() };
}
