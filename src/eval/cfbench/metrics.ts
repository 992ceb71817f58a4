import { npMean, pyRound } from "./python-numbers.js";

/**
 * CFBench metrics exactly as upstream `_score_compute` and `_scores` (code/evalaute.py):
 *   CSR_i = round(mean_k s_k, 2); ISR_i = 1 if CSR_i == 1 else 0 (upstream: 0 if csr < 1);
 *   PSR_i: judge_parsing "-1" -> 0; "0" (fallback) -> 1[CSR_i > 0.8]; "1" (strict parse) -> 0 if any primary
 *   (主需) criterion is 0, else only secondary -> 1[CSR_i > 0.8], only primary -> 1, both -> 1[0.5 + 0.5 *
 *   round(mean(S), 2) > 0.8] (i.e. mean(S) > 0.6).
 * Aggregates: round(np.mean, 2) of the per-item values over easy, hard and all items (a macro average).
 */
export type JudgeParsing = "1" | "0" | "-1";

export interface ItemMetric {
  CSR: number;
  ISR: 0 | 1;
  PSR: 0 | 1;
}

export function scoreItem(
  scores: readonly number[],
  priorities: readonly string[],
  judgeParsing: JudgeParsing,
): ItemMetric {
  const csr = pyRound(npMean(scores), 2);
  const isr: 0 | 1 = csr < 1 ? 0 : 1;
  let psr: 0 | 1;
  if (judgeParsing === "-1") psr = 0;
  else if (judgeParsing === "0") psr = csr > 0.8 ? 1 : 0;
  else {
    if (priorities.length !== scores.length)
      throw new Error(`judge score error: ${scores.length} scores for ${priorities.length} criteria`);
    const primary: number[] = [];
    const secondary: number[] = [];
    priorities.forEach((p, i) => {
      if (p === "主需") primary.push(scores[i]);
      else if (p === "次需") secondary.push(scores[i]);
      else throw new Error(`criterion priority must be 主需 or 次需, got ${JSON.stringify(p)}`);
    });
    if (primary.includes(0)) psr = 0;
    else if (primary.length === 0) psr = csr > 0.8 ? 1 : 0;
    else if (primary.length === scores.length) psr = 1;
    else psr = 0.5 + 0.5 * pyRound(npMean(secondary), 2) > 0.8 ? 1 : 0;
  }
  return { CSR: csr, ISR: isr, PSR: psr };
}

export interface CfbenchScores {
  CSR_easy: number | null;
  ISR_easy: number | null;
  PSR_easy: number | null;
  CSR_hard: number | null;
  ISR_hard: number | null;
  PSR_hard: number | null;
  CSR: number | null;
  ISR: number | null;
  PSR: number | null;
  n_easy: number;
  n_hard: number;
  n: number;
}

/** round(np.mean(x), 2), with null where upstream would print nan (an empty split). */
function agg(values: number[]): number | null {
  return values.length === 0 ? null : pyRound(npMean(values), 2);
}

export function aggregateScores(items: readonly { split: string; metric: ItemMetric }[]): CfbenchScores {
  const pick = (pred: (s: string) => boolean, k: keyof ItemMetric) =>
    items.filter((i) => pred(i.split)).map((i) => i.metric[k]);
  const easy = (s: string) => s === "easy";
  const hard = (s: string) => s === "hard";
  const all = () => true;
  return {
    CSR_easy: agg(pick(easy, "CSR")),
    ISR_easy: agg(pick(easy, "ISR")),
    PSR_easy: agg(pick(easy, "PSR")),
    CSR_hard: agg(pick(hard, "CSR")),
    ISR_hard: agg(pick(hard, "ISR")),
    PSR_hard: agg(pick(hard, "PSR")),
    CSR: agg(pick(all, "CSR")),
    ISR: agg(pick(all, "ISR")),
    PSR: agg(pick(all, "PSR")),
    n_easy: items.filter((i) => easy(i.split)).length,
    n_hard: items.filter((i) => hard(i.split)).length,
    n: items.length,
  };
}
