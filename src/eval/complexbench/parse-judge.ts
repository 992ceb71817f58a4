/**
 * Reading the ComplexBench LLM judge's `分析：…\n答案：是/否`.
 *
 * `upstream-exact` (evaluation/llm_based_evaluation.py): re.findall(r'答案：是|答案：否') with the full-width
 * colon; exactly one hit decides; otherwise the answer is `"是" in text and "否" not in text` (so an analysis
 * that merely mentions 否 anywhere makes the answer No). This never fails; `fallback` says the rule was used.
 *
 * `tolerant`: the LAST answer line wins, accepting ASCII or full-width colons, spaces, markdown emphasis and
 * English yes/no (`Answer: Yes`); when no answer line exists it falls back to the upstream rule and says so.
 */
export interface ComplexbenchVerdict {
  verdict: boolean;
  /** True when no unique answer line was found and the "是 without 否" rule decided. */
  fallback: boolean;
}

export type ComplexbenchParseMode = "upstream-exact" | "tolerant";

export function parseJudgeUpstream(text: string): ComplexbenchVerdict {
  const hits = text.match(/答案：是|答案：否/g) ?? [];
  if (hits.length === 1) return { verdict: hits[0].includes("是"), fallback: false };
  return { verdict: text.includes("是") && !text.includes("否"), fallback: true };
}

const ANSWER_LINE = /(?:答案|回答|结论|answer)\s*[*_]*\s*[:：]\s*[*_【[「“"']*\s*(是|否|yes|no)(?![a-z])/giu;

export function parseJudgeTolerant(text: string): ComplexbenchVerdict {
  const hits = [...text.matchAll(ANSWER_LINE)];
  if (hits.length > 0) {
    const v = hits[hits.length - 1][1].toLowerCase();
    return { verdict: v === "是" || v === "yes", fallback: false };
  }
  return parseJudgeUpstream(text);
}

export function parseComplexbenchJudge(text: string, mode: ComplexbenchParseMode): ComplexbenchVerdict {
  return mode === "tolerant" ? parseJudgeTolerant(text) : parseJudgeUpstream(text);
}
