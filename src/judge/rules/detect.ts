import { detectBoundary } from "./boundary.js";
import { detectFormat } from "./format.js";
import { detectLanguage } from "./language.js";
import { detectLength } from "./length.js";
import { residualSize } from "./text-utils.js";
import type { DetectedRules, Rule } from "./types.js";
import { detectWords } from "./words.js";

/** Residual size (CJK characters + Latin words) up to which a rule is taken to cover the whole constraint. */
export const FULL_COVERAGE_RESIDUAL = 4;
const MAX_CONSTRAINT_CHARS = 300;

/**
 * All machine-checkable rules in one constraint (Chinese or English), or none. Every detector prefers
 * returning nothing to guessing; `coverage` says whether the rules are the whole constraint.
 */
export function detectRules(constraint: string): DetectedRules {
  // Constraints that embed knowledge (tables, passages) are not rule statements.
  if ([...constraint].length > MAX_CONSTRAINT_CHARS) return { constraint, rules: [], coverage: "partial" };
  const boundary = detectBoundary(constraint);
  const rules: Rule[] = [
    ...detectLength(constraint),
    ...(boundary.length > 0 ? boundary : detectWords(constraint)),
    ...detectFormat(constraint),
    ...detectLanguage(constraint),
  ];
  if (rules.length === 0) return { constraint, rules, coverage: "partial" };
  const spans = rules.filter((r) => r.kind !== "include" && r.kind !== "exclude").map((r) => r.matched);
  const coverage = residualSize(constraint, spans) <= FULL_COVERAGE_RESIDUAL ? "full" : "partial";
  return { constraint, rules, coverage };
}
