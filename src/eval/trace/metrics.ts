import type { ConstraintCheck } from "../../judge/rules/types.js";
import type { DimensionInfo, TraceJudgeParse } from "./judge-kit.js";

/**
 * TRACE metrics (IOPO paper eq. 3) computed from judged items:
 * - IF: followed iff the fine-grained scores parse, their count equals constraints_num and every score is 10;
 * - IF_overall: the released code's reading, followed iff `Constraints Overall Score: [[10]]`;
 * - IF_hybrid: IF, additionally vetoed when a rule check fails on one of the constraints (a rule failure is
 *   evidence of violation at any coverage); never a silent override: each metric names its source.
 * Items whose judge output does not parse count as not followed and are counted. Items on which an offline judge has
 * no verdict for some constraint (a score entry is null: no rule reads it) are not judged: they are left out of every
 * rate and counted in `judge_coverage`, so a rate is over the items whose every constraint was judged.
 * IF-S are items with constraints_num == 1, IF-M those with >= 2. Breakdowns: by constraints_num, by
 * dimension and type (constraint level: share of constraints scored 10), unknown labels listed.
 */
export interface TraceItemForMetrics {
  id: string;
  constraints_num: number;
  levels2: readonly string[];
  judge: TraceJudgeParse;
  rules: ConstraintCheck[];
}

export interface Rate {
  n: number;
  followed: number;
  pct: number | null;
}

const rate = (followed: number, n: number): Rate => ({
  n,
  followed,
  pct: n === 0 ? null : Math.round((10000 * followed) / n) / 100,
});

/** Whether the judge gave a verdict on every constraint (always, for the LLM judge). */
export function fullyJudged(item: TraceItemForMetrics): boolean {
  return !(item.judge.scores ?? []).some((x) => x === null);
}

export function followedAllTen(item: TraceItemForMetrics): boolean {
  const s = item.judge.scores;
  return !item.judge.parse_error && s !== null && s.length === item.constraints_num && s.every((x) => x === 10);
}

export function followedOverall(item: TraceItemForMetrics): boolean {
  return item.judge.overall === 10;
}

export function followedHybrid(item: TraceItemForMetrics): boolean {
  return followedAllTen(item) && !item.rules.some((r) => r.verdict === "fail");
}

/** Judge score of constraint k when the fine-grained scores are usable, else null. */
function constraintScore(item: TraceItemForMetrics, k: number): number | null {
  if (item.judge.parse_error || item.judge.scores === null) return null;
  return item.judge.scores[k] ?? null;
}

/** How much of the set the judge could judge (all of it for the LLM judge; offline rule judges may cover less). */
export interface JudgeCoverage {
  items: number;
  /** Items whose every constraint got a verdict: the denominator of every rate. */
  judged_items: number;
  /** Items left out of the rates because some constraint has no verdict. */
  unjudged_items: number;
  constraints: number;
  judged_constraints: number;
  /** Constraints without a verdict (counted separately, never as followed). */
  unjudged_constraints: number;
  /** judged_constraints / constraints, in percent. */
  constraint_coverage_pct: number | null;
}

export interface TraceMetrics {
  /** Records evaluated (judged or not; the rates are over `judge_coverage.judged_items`). */
  n: number;
  IF: Rate;
  IF_overall: Rate;
  IF_hybrid: Rate;
  metric_sources: Record<"IF" | "IF_overall" | "IF_hybrid", string>;
  readings_disagree: { total: number; all_ten_only: number; overall_only: number };
  parse_failures: { fine_grained: number; overall: number; both: number };
  IF_S: { IF: Rate; IF_overall: Rate; IF_hybrid: Rate };
  IF_M: { IF: Rate; IF_overall: Rate; IF_hybrid: Rate };
  by_constraints_num: Record<string, { IF: Rate; IF_overall: Rate }>;
  by_dimension: Record<string, { type: string; label: string; constraints: Rate }>;
  by_type: Record<string, { constraints: Rate }>;
  unknown_labels: Record<string, number>;
  judge_coverage: JudgeCoverage;
  hybrid: HybridReport;
}

export interface HybridReport {
  constraints: number;
  with_rule: number;
  rule_pass: number;
  rule_fail: number;
  /** Rule verdict x judge verdict (judge 10 = followed); `judge_unparsed` when the judge gave no usable score. */
  agreement: {
    rule_pass_judge_10: number;
    rule_pass_judge_below_10: number;
    rule_fail_judge_10: number;
    rule_fail_judge_below_10: number;
    judge_unparsed: number;
  };
  /** Same table for rules that cover the whole constraint (where a rule pass is meaningful too). */
  agreement_full_coverage: HybridReport["agreement"];
  by_kind: Record<string, { constraints: number; rule_fail: number; disagree: number }>;
}

function emptyAgreement(): HybridReport["agreement"] {
  return {
    rule_pass_judge_10: 0,
    rule_pass_judge_below_10: 0,
    rule_fail_judge_10: 0,
    rule_fail_judge_below_10: 0,
    judge_unparsed: 0,
  };
}

export interface HybridDisagreement {
  id: string;
  constraint_index: number;
  constraint: string;
  judge_score: number;
  rule_verdict: "pass" | "fail";
  coverage: "full" | "partial";
  evidence: string[];
}

/**
 * Constraints where the rule check and the judge disagree in a way that means something: a rule failure the judge
 * scored 10, or a full-coverage rule pass the judge scored below 10. For review (written beside the results).
 */
export function hybridDisagreements(
  items: readonly (TraceItemForMetrics & { constraints?: readonly string[] })[],
): HybridDisagreement[] {
  const out: HybridDisagreement[] = [];
  for (const item of items) {
    item.rules.forEach((rc, k) => {
      const score = constraintScore(item, k);
      if (rc.verdict === "none" || score === null || rc.coverage === null) return;
      const judgeOk = score === 10;
      const disagree = rc.verdict === "fail" ? judgeOk : rc.coverage === "full" && !judgeOk;
      if (!disagree) return;
      out.push({
        id: item.id,
        constraint_index: k,
        constraint: item.constraints?.[k] ?? "",
        judge_score: score,
        rule_verdict: rc.verdict,
        coverage: rc.coverage,
        evidence: rc.rules.map((r) => `${r.rule.kind}: ${r.check.pass ? "pass" : "fail"} (${r.check.evidence})`),
      });
    });
  }
  return out;
}

/** What IF / IF_overall mean for the LLM judge (B.5 prompt); offline judges give their own. */
export const LLM_METRIC_SOURCES: TraceMetrics["metric_sources"] = {
  IF: "judge Fine Grained Score: every constraint scored 10 and one score per constraint (paper eq. 3)",
  IF_overall: "judge `Constraints Overall Score: [[10]]` (the released TRACE judge code's only reading)",
  IF_hybrid: "IF, vetoed for items where a rule check fails on any constraint (rule verdicts never raise a score)",
};

export function computeTraceMetrics(
  allItems: readonly TraceItemForMetrics[],
  dimension: (label: string) => DimensionInfo | undefined,
  sources: TraceMetrics["metric_sources"] = LLM_METRIC_SOURCES,
): TraceMetrics {
  // Items with a constraint the judge could not judge are not judged at all (their other verdicts would make the
  // rate depend on which constraints happen to have a rule).
  const items = allItems.filter(fullyJudged);
  const constraintsOf = (xs: readonly TraceItemForMetrics[]) => xs.reduce((a, i) => a + i.constraints_num, 0);
  const unjudgedConstraints = allItems.reduce((a, i) => a + (i.judge.scores ?? []).filter((x) => x === null).length, 0);
  const totalConstraints = constraintsOf(allItems);
  const coverage: JudgeCoverage = {
    items: allItems.length,
    judged_items: items.length,
    unjudged_items: allItems.length - items.length,
    constraints: totalConstraints,
    judged_constraints: totalConstraints - unjudgedConstraints,
    unjudged_constraints: unjudgedConstraints,
    constraint_coverage_pct:
      totalConstraints === 0
        ? null
        : Math.round((10000 * (totalConstraints - unjudgedConstraints)) / totalConstraints) / 100,
  };
  const count = (xs: readonly TraceItemForMetrics[], f: (i: TraceItemForMetrics) => boolean) => xs.filter(f).length;
  const three = (xs: readonly TraceItemForMetrics[]) => ({
    IF: rate(count(xs, followedAllTen), xs.length),
    IF_overall: rate(count(xs, followedOverall), xs.length),
    IF_hybrid: rate(count(xs, followedHybrid), xs.length),
  });
  const all = three(items);
  const byNum: TraceMetrics["by_constraints_num"] = {};
  for (const k of [...new Set(items.map((i) => i.constraints_num))].sort((a, b) => a - b)) {
    const xs = items.filter((i) => i.constraints_num === k);
    byNum[String(k)] = {
      IF: rate(count(xs, followedAllTen), xs.length),
      IF_overall: rate(count(xs, followedOverall), xs.length),
    };
  }
  const dimAcc = new Map<string, { type: string; label: string; n: number; ok: number }>();
  const typeAcc = new Map<string, { n: number; ok: number }>();
  const unknown: Record<string, number> = {};
  const hybrid: HybridReport = {
    constraints: 0,
    with_rule: 0,
    rule_pass: 0,
    rule_fail: 0,
    agreement: emptyAgreement(),
    agreement_full_coverage: emptyAgreement(),
    by_kind: {},
  };
  for (const item of items) {
    for (let k = 0; k < item.constraints_num; k++) {
      const label = item.levels2[k] ?? "";
      const d = dimension(label);
      if (!d) unknown[label] = (unknown[label] ?? 0) + 1;
      const name = d?.name ?? "Unknown";
      const score = constraintScore(item, k);
      const ok = score === 10 ? 1 : 0;
      const acc = dimAcc.get(name) ?? { type: d?.type ?? "Unknown", label: d ? label : "", n: 0, ok: 0 };
      acc.n++;
      acc.ok += ok;
      dimAcc.set(name, acc);
      const t = typeAcc.get(d?.type ?? "Unknown") ?? { n: 0, ok: 0 };
      t.n++;
      t.ok += ok;
      typeAcc.set(d?.type ?? "Unknown", t);

      hybrid.constraints++;
      const rc = item.rules[k];
      if (!rc || rc.verdict === "none") continue;
      hybrid.with_rule++;
      const pass = rc.verdict === "pass";
      if (pass) hybrid.rule_pass++;
      else hybrid.rule_fail++;
      const tables = rc.coverage === "full" ? [hybrid.agreement, hybrid.agreement_full_coverage] : [hybrid.agreement];
      for (const tbl of tables) {
        if (score === null) tbl.judge_unparsed++;
        else if (pass) score === 10 ? tbl.rule_pass_judge_10++ : tbl.rule_pass_judge_below_10++;
        else score === 10 ? tbl.rule_fail_judge_10++ : tbl.rule_fail_judge_below_10++;
      }
      for (const { rule, check } of rc.rules) {
        const e = (hybrid.by_kind[rule.kind] ??= { constraints: 0, rule_fail: 0, disagree: 0 });
        e.constraints++;
        if (!check.pass) e.rule_fail++;
        if (score !== null && check.pass !== (score === 10) && (!check.pass || rc.coverage === "full")) e.disagree++;
      }
    }
  }
  const allTenOnly = count(items, (i) => followedAllTen(i) && !followedOverall(i));
  const overallOnly = count(items, (i) => !followedAllTen(i) && followedOverall(i));
  const fgFail = (i: TraceItemForMetrics) => Boolean(i.judge.parse_error) || i.judge.scores === null;
  return {
    n: allItems.length,
    ...all,
    metric_sources: sources,
    readings_disagree: { total: allTenOnly + overallOnly, all_ten_only: allTenOnly, overall_only: overallOnly },
    parse_failures: {
      fine_grained: count(items, fgFail),
      overall: count(items, (i) => i.judge.overall === null),
      both: count(items, (i) => fgFail(i) && i.judge.overall === null),
    },
    IF_S: three(items.filter((i) => i.constraints_num === 1)),
    IF_M: three(items.filter((i) => i.constraints_num >= 2)),
    by_constraints_num: byNum,
    by_dimension: Object.fromEntries(
      [...dimAcc].map(([name, a]) => [name, { type: a.type, label: a.label, constraints: rate(a.ok, a.n) }]),
    ),
    by_type: Object.fromEntries([...typeAcc].map(([t, a]) => [t, { constraints: rate(a.ok, a.n) }])),
    unknown_labels: unknown,
    judge_coverage: coverage,
    hybrid,
  };
}
