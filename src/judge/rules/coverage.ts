import { detectRules } from "./detect.js";

export interface RuleCoverage {
  constraints: number;
  with_rule: number;
  full_coverage: number;
  by_dimension: Record<string, { constraints: number; with_rule: number; full_coverage: number }>;
  by_kind: Record<string, number>;
}

/** How many constraints (of TRACE-shaped records) the rule detectors cover, by `levels2` dimension and rule kind. */
export function ruleCoverage(
  records: readonly { constraints_splits: readonly string[]; levels2?: readonly string[] }[],
): RuleCoverage {
  const out: RuleCoverage = { constraints: 0, with_rule: 0, full_coverage: 0, by_dimension: {}, by_kind: {} };
  for (const r of records) {
    r.constraints_splits.forEach((c, i) => {
      const dim = r.levels2?.[i] ?? "unknown";
      const d = (out.by_dimension[dim] ??= { constraints: 0, with_rule: 0, full_coverage: 0 });
      out.constraints++;
      d.constraints++;
      const det = detectRules(c);
      if (det.rules.length === 0) return;
      out.with_rule++;
      d.with_rule++;
      if (det.coverage === "full") {
        out.full_coverage++;
        d.full_coverage++;
      }
      for (const rule of det.rules) out.by_kind[rule.kind] = (out.by_kind[rule.kind] ?? 0) + 1;
    });
  }
  return out;
}
