import { describe, expect, it } from "vitest";
import { defaultJudgeKit } from "../../../src/eval/trace/judge-kit.js";
import { computeTraceMetrics, type TraceItemForMetrics } from "../../../src/eval/trace/metrics.js";
import type { ConstraintCheck } from "../../../src/judge/rules/types.js";

const none: ConstraintCheck = { verdict: "none", coverage: null, rules: [] };
const fail: ConstraintCheck = {
  verdict: "fail",
  coverage: "full",
  rules: [{ rule: { kind: "length", unit: "zh_char", max: 10, matched: "" }, check: { pass: false, evidence: "" } }],
};
const pass: ConstraintCheck = {
  verdict: "pass",
  coverage: "full",
  rules: [{ rule: { kind: "json", matched: "" }, check: { pass: true, evidence: "" } }],
};

function item(
  id: string,
  levels2: string[],
  scores: number[] | null,
  overall: number | null,
  rules: ConstraintCheck[] = levels2.map(() => none),
  parse_error?: string,
): TraceItemForMetrics {
  return {
    id,
    constraints_num: levels2.length,
    levels2,
    judge: { scores, overall, raw: "", ...(parse_error ? { parse_error } : {}) },
    rules,
  };
}

// A hand-built set whose metrics are known:
//  a: 1 constraint, 10 / overall 10                 -> IF yes, overall yes
//  b: 2 constraints, [10, 8] / overall 9            -> no, no
//  c: 3 constraints, [10, 10, 10] / overall 9       -> IF yes, overall no (readings disagree)
//  d: 2 constraints, unparsable fine-grained, [[10]] -> IF no (parse failure), overall yes (disagree)
//  e: 2 constraints, [10, 10] / 10 but a rule fails  -> IF yes, overall yes, hybrid no
//  f: 1 constraint, [0] / no overall                 -> no, no (overall parse failure)
const items = [
  item("a", ["数值约束"], [10], 10),
  item("b", ["数值约束", "包含约束"], [10, 8], 9),
  item("c", ["输出格式约束", "包含约束", "语气风格约束"], [10, 10, 10], 9, [pass, none, none]),
  item("d", ["包含约束", "输入格式约束"], null, 10, [none, none], "no Fine Grained Score block"),
  item("e", ["数值约束", "输出格式约束"], [10, 10], 10, [fail, pass]),
  item("f", ["排除约束"], [0], null),
];

describe("TRACE metrics", () => {
  const m = computeTraceMetrics(items, defaultJudgeKit.dimension);
  it("IF (all = 10), the overall reading, their disagreement and parse failures", () => {
    expect(m.IF).toEqual({ n: 6, followed: 3, pct: 50 });
    expect(m.IF_overall).toEqual({ n: 6, followed: 3, pct: 50 });
    expect(m.readings_disagree).toEqual({ total: 2, all_ten_only: 1, overall_only: 1 });
    expect(m.parse_failures).toEqual({ fine_grained: 1, overall: 1, both: 0 });
  });
  it("IF-S (one constraint) and IF-M (two or more)", () => {
    expect(m.IF_S.IF).toEqual({ n: 2, followed: 1, pct: 50 });
    expect(m.IF_M.IF).toEqual({ n: 4, followed: 2, pct: 50 });
    expect(m.IF_M.IF_overall).toEqual({ n: 4, followed: 2, pct: 50 });
  });
  it("hybrid: a failing rule vetoes the item and is reported as a disagreement", () => {
    expect(m.IF_hybrid).toEqual({ n: 6, followed: 2, pct: 33.33 });
    expect(m.metric_sources.IF_hybrid).toMatch(/vetoed/);
    expect(m.hybrid.with_rule).toBe(3);
    expect(m.hybrid.agreement).toEqual({
      rule_pass_judge_10: 2,
      rule_pass_judge_below_10: 0,
      rule_fail_judge_10: 1,
      rule_fail_judge_below_10: 0,
      judge_unparsed: 0,
    });
    expect(m.hybrid.by_kind.length).toEqual({ constraints: 1, rule_fail: 1, disagree: 1 });
  });
  it("breakdowns by number of constraints and by dimension; unknown labels are listed", () => {
    expect(m.by_constraints_num["2"].IF).toEqual({ n: 3, followed: 1, pct: 33.33 });
    expect(m.by_constraints_num["3"].IF_overall).toEqual({ n: 1, followed: 0, pct: 0 });
    // Numerical: a 10, b 10, e 10 -> 3/3; Inclusion: b 8, c 10, d unparsed -> 1/3
    expect(m.by_dimension.Numerical.constraints).toEqual({ n: 3, followed: 3, pct: 100 });
    expect(m.by_dimension.Inclusion.constraints).toEqual({ n: 3, followed: 1, pct: 33.33 });
    expect(m.by_dimension.Inclusion.type).toBe("Content");
    expect(m.unknown_labels).toEqual({ 输入格式约束: 1 });
    expect(m.by_dimension.Unknown.constraints.n).toBe(1);
    expect(m.by_type.Format.constraints).toEqual({ n: 2, followed: 2, pct: 100 });
  });
});
