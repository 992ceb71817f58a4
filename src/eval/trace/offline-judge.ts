import type { TraceRecord } from "../../data/schemas.js";
import { checkConstraint } from "../../judge/rules/check.js";
import { detectRules } from "../../judge/rules/detect.js";
import type { TraceMetrics } from "./metrics.js";

/**
 * A TRACE judge that needs no endpoint: a program gives each constraint of a record a verdict on a response, 10
 * (met), 0 (not met) or null (no verdict: the judge cannot read this constraint). It stands beside the LLM judge of
 * run.ts (B.5 prompt + parser) and feeds the same results.jsonl and metrics.json; `name` is recorded as the judge in
 * the provenance. Items with a null verdict are left out of the IF rates and counted (metrics.ts, `judge_coverage`).
 *
 * Two are built in: `rulesJudge` below (the hybrid judge's rule checks alone, src/judge/rules) and the constraint
 * world's checker (src/world/trace-judge.ts) for records of the world.
 */
export interface OfflineTraceJudge {
  /** Short name recorded as the judge (`provenance.judge`, `judge_model`, `judge_kit`): "rules", "world"... */
  readonly name: string;
  /** What IF and IF_overall mean with this judge (metrics.json `metric_sources`). */
  readonly sources: TraceMetrics["metric_sources"];
  /**
   * Check, before anything is generated, that the judge can read these records; throw (naming the record id and
   * constraint) when it must and cannot. Optional.
   */
  prepare?(records: readonly TraceRecord[]): void;
  /** Verdicts per constraint (10, 0, or null = none) and one line of evidence per constraint. */
  judge(record: TraceRecord, response: string): OfflineVerdict;
}

export interface OfflineVerdict {
  scores: (number | null)[];
  evidence: string[];
}

/**
 * The rule checks of the hybrid judge alone (src/judge/rules: lengths, quoted words, JSON, Markdown, lists,
 * headings, language, start/end phrases). A rule that covers its constraint fully gives 10 on a pass and 0 on a
 * fail; a partial rule can only prove a violation (0 on a fail; a pass proves nothing, so no verdict); a constraint
 * no rule reads gets no verdict. Items with any constraint without a verdict are counted separately, never as
 * followed: the IF rate is over the items whose every constraint has a (full) rule.
 */
export const rulesJudge: OfflineTraceJudge = {
  name: "rules",
  sources: {
    IF: "rule checks (src/judge/rules): every constraint's full-coverage rule passes; items with a constraint no rule decides are left out (judge_coverage)",
    IF_overall: "the same as IF (the rule judge has no separate overall score)",
    IF_hybrid: "the same as IF (the rule judge is the rule checks)",
  },
  judge(record, response) {
    const scores: (number | null)[] = [];
    const evidence: string[] = [];
    for (const constraint of record.constraints_splits) {
      const check = checkConstraint(detectRules(constraint), response);
      const detail = check.rules.map((r) => `${r.rule.kind}: ${r.check.pass ? "pass" : "fail"} (${r.check.evidence})`);
      if (check.verdict === "fail") {
        scores.push(0);
        evidence.push(detail.join("; "));
      } else if (check.verdict === "pass" && check.coverage === "full") {
        scores.push(10);
        evidence.push(detail.join("; "));
      } else {
        scores.push(null);
        evidence.push(
          check.verdict === "none"
            ? "no rule reads this constraint"
            : `partial rule passed (proves nothing): ${detail.join("; ")}`,
        );
      }
    }
    return { scores, evidence };
  },
};
