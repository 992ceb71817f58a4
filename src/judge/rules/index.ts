/**
 * Rule checks of the hybrid judge: detect machine-checkable constraints in TRACE constraint text and check
 * them against a response. See types.ts for the rule shapes and count.ts for the counting conventions.
 */
export { checkConstraint, checkRule } from "./check.js";
export { countChineseChars, countWhitespaceWords } from "./count.js";
export { type RuleCoverage, ruleCoverage } from "./coverage.js";
export { detectRules, FULL_COVERAGE_RESIDUAL } from "./detect.js";
export type { ConstraintCheck, DetectedRules, Rule, RuleCheck, RuleSpec } from "./types.js";
