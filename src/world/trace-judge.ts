import type { TraceRecord } from "../data/schemas.js";
import type { OfflineTraceJudge } from "../eval/trace/offline-judge.js";
import { checkAll, parseConstraint } from "./constraint.js";

/**
 * The constraint world's rule checker as a TRACE judge (`iopo eval trace --judge world`): every constraint of a world
 * record is machine-checkable, so each gets 10 (met) or 0 (not met) with the checker's reason, the same verdicts as
 * `scoreWithCheckers` (eval-set.ts) and the world's B.5 judge program. A constraint line that is not world language
 * is an error naming the record id and the constraint, raised before anything is generated.
 */
export const worldTraceJudge: OfflineTraceJudge = {
  name: "world",
  sources: {
    IF: "the constraint world's checker (src/world/constraint.ts): every constraint of the record is met",
    IF_overall: "the same as IF (the world checker has no separate overall score)",
    IF_hybrid: "IF, vetoed for items where a rule check of src/judge/rules fails on any constraint",
  },
  prepare(records: readonly TraceRecord[]) {
    for (const r of records)
      r.constraints_splits.forEach((line, k) => {
        if (!parseConstraint(line))
          throw new Error(
            `record ${r.id}: constraint ${k + 1} ${JSON.stringify(line)} is not a constraint of the constraint world; ` +
              "--judge world judges world records only (use --judge rules or an LLM judge for other data)",
          );
      });
  },
  judge(record, response) {
    const scores: number[] = [];
    const evidence: string[] = [];
    for (const line of record.constraints_splits) {
      const c = parseConstraint(line);
      if (!c) throw new Error(`record ${record.id}: constraint ${JSON.stringify(line)} is not world language`);
      const [result] = checkAll([c], response);
      scores.push(result.ok ? 10 : 0);
      evidence.push(result.why);
    }
    return { scores, evidence };
  },
};
