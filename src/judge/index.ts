/**
 * `iopo/judge`: the TRACE constraint judge (paper appendix B.5): its prompt in English and Chinese, the tolerant
 * parser of its `Fine Grained Score` / `Constraints Overall Score: [[x]]` reply, and the rule checks of the hybrid
 * judge (machine-checkable constraints such as length, keywords, JSON, lists, language, checked on the response).
 *
 * @example
 * import { buildTraceJudgePrompt, checkConstraint, detectRules, parseTraceJudge } from "iopo/judge";
 *
 * const prompt = buildTraceJudgePrompt(
 *   { query: "Describe Paris.\nAnswer in under 50 words.", constraints: ["Answer in under 50 words."], response: "..." },
 *   "en",
 * );
 * const verdict = parseTraceJudge('Fine Grained Score: [{"under 50 words": 10}]\nConstraints Overall Score: [[10]]', 1);
 * console.log(prompt.length, verdict.scores, verdict.overall); // [10] 10
 * const check = checkConstraint(detectRules("Answer in under 50 words."), "Paris is the capital of France.");
 * console.log(check.verdict, check.rules.map((r) => r.check.evidence)); // pass [ "6 words (required <= 49)" ]
 */
export * from "./parse-trace-judge.js";
export {
  type ConstraintCheck,
  checkConstraint,
  checkRule,
  countChineseChars,
  countWhitespaceWords,
  type DetectedRules,
  detectRules,
  FULL_COVERAGE_RESIDUAL,
  type Rule,
  type RuleCheck,
  type RuleCoverage,
  type RuleSpec,
  ruleCoverage,
} from "./rules/index.js";
export * from "./trace-judge.js";
