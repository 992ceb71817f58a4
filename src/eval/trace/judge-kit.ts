import { parseTraceJudge } from "../../judge/parse-trace-judge.js";
import { buildTraceJudgePrompt, traceJudgeTemplate } from "../../judge/trace-judge.js";
import { templateHash } from "../../llm/prompt-template.js";
import { dimensionByLabel } from "../../taxonomy/index.js";

/**
 * What `iopo eval trace` needs from the TRACE judge (prompt + parser) and from the taxonomy, as one seam so that a
 * different judge (another prompt, a stricter parser) can be plugged in and is named in the metrics. The default,
 * `defaultJudgeKit` below, is src/judge/ (B.5 prompt, tolerant parser) and src/taxonomy/.
 */
export type JudgeLang = "en" | "zh";

export interface TraceJudgeInput {
  /** The full instruction the model answered (the user message). */
  query: string;
  constraints: readonly string[];
  response: string;
}

export interface TraceJudgeParse {
  /**
   * Per-constraint scores in the judge's order, or null when none could be read. An offline judge (rules) may have
   * no verdict on a constraint: its entry is null, and the item is left out of the IF rates (counted in
   * `judge_coverage`), never counted as followed.
   */
  scores: (number | null)[] | null;
  /** `Constraints Overall Score: [[x]]` read with the released regex, or null. */
  overall: number | null;
  raw: string;
  /** Set when the fine-grained scores cannot be used (missing, unreadable, wrong count, out of range). */
  parse_error?: string;
}

export interface DimensionInfo {
  key: string;
  name: string;
  type: string;
}

export interface TraceJudgeKit {
  /** Which kit ("shared" = src/judge + src/taxonomy). Recorded in metrics. */
  source: string;
  templateHash(lang: JudgeLang): string;
  buildPrompt(input: TraceJudgeInput, lang: JudgeLang): string;
  parse(raw: string, expectedCount: number): TraceJudgeParse;
  /** The taxonomy dimension of a `levels2` label; undefined for labels outside the 26. */
  dimension(label: string): DimensionInfo | undefined;
}

/**
 * The judge kit `iopo eval trace` uses, on the shared modules: the B.5 judge prompt (zh/en templates) and its
 * tolerant parser from src/judge/, the 26-dimension taxonomy from src/taxonomy/.
 */
export const defaultJudgeKit: TraceJudgeKit = {
  source: "shared",
  templateHash: (lang) => templateHash(traceJudgeTemplate(lang)),
  buildPrompt: (input, lang) => buildTraceJudgePrompt(input, lang),
  parse: (raw, expectedCount) => {
    const p = parseTraceJudge(raw, expectedCount);
    return {
      scores: p.scores,
      overall: p.overall,
      raw: p.raw,
      ...(p.parse_error ? { parse_error: p.parse_error } : {}),
    };
  },
  dimension: (label) => {
    const d = dimensionByLabel(label);
    return d ? { key: d.key, name: d.name, type: d.type } : undefined;
  },
};
