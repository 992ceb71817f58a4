import { MetricMeans } from "./metrics.js";
import { type Example, type LossOptions, type LossOutput, requireSeq } from "./types.js";

/**
 * SFT: mean token negative log-likelihood of the chosen responses,
 *   L = -sum_i log pi(y_i|x_i) / sum_i |y_i|
 * (token-level mean over the batch, as Hugging Face's causal-LM loss). With gradient accumulation the trainer
 * passes `tokenNormalizer` = tokens of the whole accumulated batch (transformers' `num_items_in_batch`), so the
 * accumulated gradient equals the one of a single large batch.
 */
export function sftLoss(batch: readonly Example[], opts: LossOptions): LossOutput {
  const seqs = batch.map((ex, i) => requireSeq(ex, "chosen", i, false));
  const tokens = seqs.reduce((a, s) => a + s.tokens, 0);
  const normalizer = opts.tokenNormalizer ?? tokens;
  let loss = 0;
  const m = new MetricMeans();
  for (const s of seqs) {
    loss -= s.policy / normalizer;
    m.add("logps/chosen", s.policy);
  }
  const grad = seqs.map(() => ({ chosen: -1 / normalizer }));
  const metrics = m.result();
  metrics.num_tokens = tokens;
  return { loss, grad, metrics };
}
