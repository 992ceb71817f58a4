import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Quality control, completeness (paper appendix B.3): does the structured instruction keep everything of the
 * original one (task, every constraint, the input)? Verdict line `<tag>: Complete` or `<tag>: Incomplete`.
 * Our own wording. Slots: instruction (the original), structured (the #Task Description/#Constraints/#Input form).
 */
export const COMPLETENESS_EN: PromptTemplate = {
  name: "completeness.en",
  text: `You are a strict data quality inspector. Below are an original instruction and a structured version of it (task description, constraints, input).
Check whether the structured version is complete:
1. The task description states the same task as the original instruction.
2. Every constraint of the original instruction appears in the constraints, and no constraint is invented.
3. The input (if any) is copied in full; if the original has no input, the input is NULL.
4. Taken together, the task description, constraints and input form a clear, self-contained instruction that can be answered.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Complete
or
<tag>: Incomplete

Original instruction:
{{instruction}}

Structured instruction:
{{structured}}`,
};
