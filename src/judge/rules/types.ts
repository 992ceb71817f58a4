/**
 * A machine-checkable reading of one natural-language constraint (TRACE, Chinese or English).
 * Detectors return a rule only when they are sure what it means (precision over recall).
 * `coverage` says whether the rule captures the whole constraint ("full": a pass means the constraint is met)
 * or only a necessary condition of it ("partial": a fail means it is violated, a pass proves nothing).
 */
export type RuleSpec =
  | { kind: "length"; unit: "zh_char" | "word" | "codepoint"; min?: number; max?: number }
  | { kind: "include"; terms: string[] }
  | { kind: "exclude"; terms: string[] }
  | { kind: "json" }
  | { kind: "markdown" }
  | { kind: "table" }
  | { kind: "list"; style: "numbered" | "bullet" | "any" }
  | { kind: "no_list" }
  | { kind: "headings"; min: number }
  | { kind: "language"; lang: "en" | "zh" }
  | { kind: "starts_with"; phrase: string }
  | { kind: "ends_with"; phrase: string };

export type Rule = RuleSpec & {
  /** The part of the constraint text that triggered the detector. */
  matched: string;
};

export interface DetectedRules {
  constraint: string;
  rules: Rule[];
  coverage: "full" | "partial";
}

export interface RuleCheck {
  pass: boolean;
  /** What was measured or found, e.g. "412 字 (limit <= 300)" or "missing: “高考”". */
  evidence: string;
}

export interface ConstraintCheck {
  /** "pass" / "fail" over all rules of the constraint; "none" when no rule was detected. */
  verdict: "pass" | "fail" | "none";
  coverage: "full" | "partial" | null;
  rules: { rule: Rule; check: RuleCheck }[];
}
