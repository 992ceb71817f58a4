import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Optional quality control beyond the paper (`filter_consistency`, off by default): do the constraints of one
 * structured instruction repeat, imply or contradict each other or the task? The paper leaves contradictions to
 * the structurer (B.2 skips contradictory instructions) and has no constraint-constraint check. Verdict line
 * `<tag>: Consistent` or `<tag>: Inconsistent`. Our own wording. Slot: structured.
 */
export const CONSISTENCY_EN: PromptTemplate = {
  name: "consistency.en",
  text: `You are a strict data quality inspector. Below is a structured instruction (task description, constraints, input).
Check its constraints against each other:
1. Two or more constraints require the same thing, or one constraint is fully implied by another.
2. A constraint contradicts another constraint or the task, so that they cannot all be satisfied together.
If either holds, the instruction is inconsistent.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Consistent
or
<tag>: Inconsistent

Structured instruction:
{{structured}}`,
};
