import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Quality control, redundancy (paper appendix B.4): are any constraints duplicated, implied by another, or mere
 * restatements of the task? Verdict line `<tag>: Redundant` or `<tag>: Not Redundant`. Our own wording.
 * Slot: structured.
 */
export const REDUNDANCY_EN: PromptTemplate = {
  name: "redundancy.en",
  text: `You are a strict data quality inspector. Below is a structured instruction (task description, constraints, input).
Check whether its constraints are redundant:
1. Two or more constraints require the same thing, or one constraint is fully implied by another.
2. A constraint merely repeats the task description instead of restricting the response.
3. A constraint contradicts another constraint or the task, so that it cannot be satisfied together with them.
If any of these holds, the instruction is redundant.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Redundant
or
<tag>: Not Redundant

Structured instruction:
{{structured}}`,
};
