import { checkBoundary } from "./boundary.js";
import { checkHeadings, checkJson, checkList, checkMarkdown, checkTable } from "./format.js";
import { checkLanguage } from "./language.js";
import { checkLength } from "./length.js";
import type { ConstraintCheck, DetectedRules, Rule, RuleCheck } from "./types.js";
import { checkWords } from "./words.js";

/** Check one rule against a response: pass/fail with the evidence measured. */
export function checkRule(rule: Rule, response: string): RuleCheck {
  switch (rule.kind) {
    case "length":
      return checkLength(rule, response);
    case "include":
    case "exclude":
      return checkWords(rule, response);
    case "starts_with":
    case "ends_with":
      return checkBoundary(rule, response);
    case "json":
      return checkJson(response);
    case "markdown":
      return checkMarkdown(response);
    case "table":
      return checkTable(response);
    case "list":
    case "no_list":
      return checkList(rule, response);
    case "headings":
      return checkHeadings(rule, response);
    case "language":
      return checkLanguage(rule, response);
  }
}

/** Check every rule of a constraint; the constraint fails when any rule fails. */
export function checkConstraint(detected: DetectedRules, response: string): ConstraintCheck {
  if (detected.rules.length === 0) return { verdict: "none", coverage: null, rules: [] };
  const rules = detected.rules.map((rule) => ({ rule, check: checkRule(rule, response) }));
  return {
    verdict: rules.every((r) => r.check.pass) ? "pass" : "fail",
    coverage: detected.coverage,
    rules,
  };
}
