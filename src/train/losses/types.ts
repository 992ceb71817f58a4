/**
 * Shared types of the preference/SFT losses. Every loss works on per-sequence statistics that the engine
 * produces for a batch: the summed response log-prob under the policy (the only differentiable input), the
 * summed response log-prob under the frozen reference, and the number of response tokens.
 *
 * Sequence names follow TRL for pairs (`chosen`, `rejected`) and the official IOPO trainer for groups:
 * chosen_v1 = (x1,y1), rejected_v1 = (x1,y2), chosen_v2 = (x2,y2), rejected_v2 = (x2,y1).
 */

export type SeqName = "chosen" | "rejected" | "chosen_v1" | "rejected_v1" | "chosen_v2" | "rejected_v2";

export interface SeqLogps {
  /** Summed log pi_theta(y|x) over response tokens (differentiable). */
  policy: number;
  /** Summed log pi_ref(y|x) over response tokens (constant); absent for reference-free losses. */
  reference?: number;
  /** Number of response tokens |y| (after truncation). */
  tokens: number;
  /**
   * Optional mean raw LM-head logit over the response positions and the vocabulary (sum / (tokens * vocab)), only
   * for the `logits/...` metrics (aggregated over a batch weighted by `tokens`).
   */
  logitsMean?: number;
}

/** One training example: the sequences a method needs (a pair, a group of four, three for IOPO*, one for SFT). */
export type Example = Partial<Record<SeqName, SeqLogps>>;

/** Per-example gradient of the (batch-mean) loss w.r.t. each summed policy log-prob. */
export type ExampleGrad = Partial<Record<SeqName, number>>;

export type PrefLossType = "sigmoid" | "hinge" | "ipo";

export interface LossOptions {
  /** beta of DPO/IOPO/SimPO (TRL `beta`, LLaMA-Factory `pref_beta`); lambda of ORPO. */
  beta: number;
  /** eps of conservative DPO / IOPO label smoothing (sigmoid only). */
  labelSmoothing: number;
  /** sigmoid (default), hinge or ipo, for dpo and the iopo family. */
  lossType: PrefLossType;
  /** Coefficient of the SFT term added to a preference loss (0 = off; the official trainer's threshold is 1e-6). */
  prefFtx: number;
  /** SimPO target reward margin gamma. */
  simpoGamma: number;
  /**
   * SFT only: number of response tokens to divide the summed NLL by. Defaults to the tokens of this batch; the
   * trainer passes the tokens of the whole accumulated batch so that 8 x 1 accumulation equals 1 x 8.
   */
  tokenNormalizer?: number;
}

export const defaultLossOptions: LossOptions = {
  beta: 0.1,
  labelSmoothing: 0,
  lossType: "sigmoid",
  prefFtx: 0,
  simpoGamma: 0.5,
};

export interface LossOutput {
  /** Batch-mean loss. */
  loss: number;
  /** d loss / d policy log-prob, one record per example, same sequence names as the input. */
  grad: ExampleGrad[];
  /** TRL-named metrics averaged over the batch (no `eval_` prefix; the logger adds it). */
  metrics: Record<string, number>;
}

export function requireSeq(example: Example, name: SeqName, index: number, needReference: boolean): SeqLogps {
  const seq = example[name];
  if (!seq) throw new Error(`example ${index}: missing sequence "${name}"`);
  if (needReference && seq.reference === undefined)
    throw new Error(`example ${index}: sequence "${name}" has no reference log-prob`);
  if (!(seq.tokens > 0)) throw new Error(`example ${index}: sequence "${name}" has no response tokens`);
  return seq;
}
