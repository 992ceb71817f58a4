import { log1mExp, logSigmoid, sigmoid } from "./math.js";
import { addPairMetrics, MetricMeans } from "./metrics.js";
import { type Example, type ExampleGrad, type LossOptions, type LossOutput, requireSeq } from "./types.js";

/** log odds(y|x) = log p - log(1 - p) with log p = the mean token log-prob (Hong et al. 2024, eq. 4). */
function logOdds(meanLogp: number): number {
  return meanLogp - log1mExp(meanLogp);
}
/** d logOdds / d m = 1 + e^m/(1-e^m) = 1/(1-e^m) = -1/expm1(m). */
function dLogOdds(meanLogp: number): number {
  return -1 / Math.expm1(meanLogp);
}

/**
 * ORPO (Hong et al. 2024, eqs. 6-7), as LLaMA-Factory's `odds_ratio_loss` (the official IOPO trainer's base):
 *   m_w, m_l = mean token log-probs;  L_OR = -log sigma(log odds(m_w) - log odds(m_l))
 *   loss = -m_w + lambda * L_OR        (lambda = beta; reference-free)
 * plus pref_ftx * (-m_w). Metrics as TRL's ORPO: rewards = beta * m, `nll_loss`, `log_odds_ratio`
 * (= log sigma(.)), `log_odds_chosen`. Batch mean.
 */
export function orpoLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  const B = batch.length;
  const lambda = opts.beta;
  const m = new MetricMeans();
  const grad: ExampleGrad[] = [];
  let loss = 0;
  batch.forEach((ex, i) => {
    const c = requireSeq(ex, "chosen", i, false);
    const r = requireSeq(ex, "rejected", i, false);
    const mw = c.policy / c.tokens;
    const ml = r.policy / r.tokens;
    if (!(mw < 0) || !(ml < 0)) throw new Error(`example ${i}: ORPO needs mean log-probs < 0 (got ${mw}, ${ml})`);
    const lo = logOdds(mw) - logOdds(ml);
    const orLoss = -logSigmoid(lo);
    let li = -mw + lambda * orLoss;
    // d(-log sigma(lo))/d lo = -sigma(-lo)
    const dlo = -lambda * sigmoid(-lo);
    let gw = -1 + dlo * dLogOdds(mw);
    const gl = -dlo * dLogOdds(ml);
    if (opts.prefFtx > 1e-6) {
      li += opts.prefFtx * -mw;
      gw -= opts.prefFtx;
      m.add("sft_loss", -mw);
    }
    loss += li / B;
    grad.push({ chosen: gw / c.tokens / B, rejected: gl / r.tokens / B });
    addPairMetrics(m, "", opts.beta, { ...c, reference: undefined }, { ...r, reference: undefined }, true);
    m.add("nll_loss", -mw);
    m.add("log_odds_ratio", -orLoss);
    m.add("log_odds_chosen", lo);
  });
  return { loss, grad, metrics: m.result() };
}
