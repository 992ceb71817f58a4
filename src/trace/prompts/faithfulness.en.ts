import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Optional quality control beyond the paper (`filter_faithfulness`, off by default): does the structured version
 * keep everything of the original instruction (task, every constraint, the input), adding nothing? The paper's
 * completeness judge (B.3) sees only the structured instruction. Verdict line `<tag>: Faithful` or
 * `<tag>: Unfaithful`. Our own wording. Slots: instruction (the original), structured.
 */
export const FAITHFULNESS_EN: PromptTemplate = {
  name: "faithfulness.en",
  text: `You are a strict data quality inspector. Below are an original instruction and a structured version of it (task description, constraints, input).
Check whether the structured version is faithful to the original:
1. The task description states the same task as the original instruction.
2. Every constraint of the original instruction appears in the constraints, and no constraint is invented.
3. The input (if any) is copied in full; if the original has no input, the input is NULL.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Faithful
or
<tag>: Unfaithful

Original instruction:
{{instruction}}

Structured instruction:
{{structured}}`,
};
