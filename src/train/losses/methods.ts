import type { SeqName } from "./types.js";

export const METHODS = [
  "sft",
  "dpo",
  "iopo",
  "iopo_star",
  "iopo_input_only",
  "iopo_output_only",
  "simpo",
  "orpo",
] as const;
export type Method = (typeof METHODS)[number];

/**
 * What a method's per-sequence weights multiply, per sequence s of an example:
 * - `logp`       log pi(y|x), summed over the response (SFT: the loss is the token mean of -logp over the batch)
 * - `log_ratio`  log pi(y|x) - log pi_ref(y|x) (DPO's implicit reward / beta; ipo divides both by |y| first)
 * - `mean_logp`  log pi(y|x) / |y|, reference-free (SimPO)
 * - `log_odds`   log(p / (1 - p)) of p = exp(mean_logp) (ORPO, Hong et al. 2024 eq. 4)
 */
export type SequenceScore = "logp" | "log_ratio" | "mean_logp" | "log_odds";

export interface MethodWeights {
  /** The sequences one example contributes, in the order the engine scores them (consecutive rows of a batch). */
  readonly sequences: readonly SeqName[];
  readonly score: SequenceScore;
  /**
   * The preference logits: each row holds one weight per sequence, z = sum_j w_j score_j; the example's preference
   * loss is the mean over the rows of link(beta z) (link: -log sigmoid, hinge or ipo; see math.ts preferenceLink).
   */
  readonly logits: readonly (readonly number[])[];
  /** Weight of each sequence's mean token NLL in the SFT term (pref_ftx; ORPO's NLL): which sequences are chosen. */
  readonly sft: readonly number[];
}

/**
 * Scale of Pi_1 in IOPO* (appendix E, eq. 11): the logit is Pi_1 itself (eq. 9's average of Pi_1 and Pi_2 with
 * only Pi_1 kept), so that on a symmetric group (Pi_1 = Pi_2) IOPO* and IOPO give the same loss.
 */
export const IOPO_STAR_PI1_SCALE = 1;

const PAIR = ["chosen", "rejected"] as const;
/** (x1,y1), (x1,y2), (x2,y2), (x2,y1): eq. 9's order, in the official trainer's names. */
const GROUP = ["chosen_v1", "rejected_v1", "chosen_v2", "rejected_v2"] as const;

/**
 * The one table of per-sequence weights. The training graph (graph-losses.ts) is built from it, the engine scores
 * and the data layer encodes the sequences in its order (METHOD_SEQUENCES); the scalar losses of this folder state
 * each method's equation on its own, and the tests hold the graph built from this table to them.
 * With D_ab = log pi(y_b|x_a) - log pi_ref(y_b|x_a) (Zhang et al. 2024):
 */
export const METHOD_WEIGHTS: Record<Method, MethodWeights> = {
  /** SFT: -sum_i log pi(y_i|x_i) / sum_i |y_i| (token mean over the batch; sft.ts). */
  sft: { sequences: ["chosen"], score: "logp", logits: [], sft: [1] },
  /** DPO (Rafailov et al. 2023, eq. 7): z = D(y_w) - D(y_l). */
  dpo: { sequences: PAIR, score: "log_ratio", logits: [[1, -1]], sft: [1, 0] },
  /** IOPO (eq. 9): z = (Pi_1 + Pi_2) / 2 = ((2 D11 - D12 - D21) + (2 D22 - D21 - D12)) / 2 = D11 - D12 + D22 - D21. */
  iopo: { sequences: GROUP, score: "log_ratio", logits: [[1, -1, 1, -1]], sft: [1, 0, 1, 0] },
  /** IOPO* (appendix E, eq. 11): z = Pi_1 = 2 D11 - D12 - D21 on the three sequences (x1,y1), (x1,y2), (x2,y1). */
  iopo_star: {
    sequences: ["chosen_v1", "rejected_v1", "rejected_v2"],
    score: "log_ratio",
    logits: [[2 * IOPO_STAR_PI1_SCALE, -IOPO_STAR_PI1_SCALE, -IOPO_STAR_PI1_SCALE]],
    sft: [1, 0, 0],
  },
  /**
   * Table 4 "w/o Output Pref" (footnote 4), grouped form: same response, different inputs, z_a = D11 - D21,
   * z_b = D22 - D12 (with ablation_pairs: separate each is its own DPO-form example: trainingLossMethod).
   */
  iopo_input_only: {
    sequences: GROUP,
    score: "log_ratio",
    logits: [
      [1, 0, 0, -1],
      [0, -1, 1, 0],
    ],
    sft: [1, 0, 1, 0],
  },
  /** Table 4 "w/o Input Pref" (footnote 5), grouped form: same input, different responses, z_a = D11 - D12, z_b = D22 - D21. */
  iopo_output_only: {
    sequences: GROUP,
    score: "log_ratio",
    logits: [
      [1, -1, 0, 0],
      [0, 0, 1, -1],
    ],
    sft: [1, 0, 1, 0],
  },
  /** SimPO (Meng et al. 2024, eq. 6): z = avg log pi(y_w|x) - avg log pi(y_l|x) - gamma / beta. */
  simpo: { sequences: PAIR, score: "mean_logp", logits: [[1, -1]], sft: [1, 0] },
  /** ORPO (Hong et al. 2024, eqs. 6-7): NLL(y_w) + lambda * -log sigma(z), z = log odds(y_w) - log odds(y_l). */
  orpo: { sequences: PAIR, score: "log_odds", logits: [[1, -1]], sft: [1, 0] },
};

/** The two ablations of Table 4 (footnotes 4 and 5). */
export const ABLATION_METHODS = ["iopo_input_only", "iopo_output_only"] as const;

export function isAblation(method: Method): method is (typeof ABLATION_METHODS)[number] {
  return (ABLATION_METHODS as readonly string[]).includes(method);
}

/**
 * The method whose row of METHOD_WEIGHTS (and scalar loss) a configured method trains with. With
 * `ablation_pairs: separate` (the default) an ablation trains each of a group's two pairs as its own example, in
 * DPO's form z = D(chosen) - D(rejected): `iopo_output_only` on the output pairs (x1: y1 > y2, x2: y2 > y1, the
 * group's DPO* pairs), `iopo_input_only` on the input pairs ((x1,y1) > (x2,y1), (x2,y2) > (x1,y2)). Each example's
 * loss is then one of the two terms its grouped row of METHOD_WEIGHTS averages, so both forms have the same mean
 * loss over the data; the separate form takes twice the examples (and optimizer steps), as DPO* does.
 */
export function trainingLossMethod(method: Method, ablationPairs: "separate" | "grouped" = "separate"): Method {
  return isAblation(method) && ablationPairs === "separate" ? "dpo" : method;
}

/** The sequences each method needs per example (what the engine must score), in METHOD_WEIGHTS order. */
export const METHOD_SEQUENCES = Object.fromEntries(METHODS.map((m) => [m, METHOD_WEIGHTS[m].sequences])) as Record<
  Method,
  readonly SeqName[]
>;

/** Whether the method uses the frozen reference model (SimPO and ORPO are reference-free; SFT needs none). */
export function usesReference(method: Method): boolean {
  return METHOD_WEIGHTS[method].score === "log_ratio";
}

/** Kind of training row a method consumes: SFT rows, preference pairs, or IOPO groups. */
export function methodDataKind(method: Method): "sft" | "pair" | "group" {
  const seqs = METHOD_WEIGHTS[method].sequences;
  return seqs.includes("chosen_v1") ? "group" : seqs.includes("rejected") ? "pair" : "sft";
}
