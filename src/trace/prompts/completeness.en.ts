import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Quality control, completeness (paper appendix B.3): is ONE structured instruction (task description,
 * constraints, input; input may be NULL) complete, i.e. can it be carried out as given? Section 4.1 names the case
 * it targets: incompleteness between the description and the input. Verdict line `<tag>: Complete` or
 * `<tag>: Incomplete`. Our own wording and examples. Slot: structured.
 */
export const COMPLETENESS_EN: PromptTemplate = {
  name: "completeness.en",
  text: `You are a strict data quality inspector. Below is an instruction in three parts: task description, constraints and input (the input may be NULL).
Decide whether the instruction is complete, that is, whether someone could carry it out with nothing else:
1. The task description states a clear task.
2. Everything the task or the constraints refer to (a text, an article, a table, data, a list to work on) is given in the input or in the instruction itself.
3. The input, when there is one, is what the task description asks to work on.
If any of these fails, the instruction is incomplete.

Example: "#Task Description: Summarise the article below in three sentences. #Constraints: 1. Use a neutral tone. #Input: NULL" is Incomplete: the article is missing.
Example: "#Task Description: Suggest three names for a bakery. #Constraints: 1. Each name has at most two words. #Input: NULL" is Complete: the task needs no input.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Complete
or
<tag>: Incomplete

Instruction:
{{structured}}`,
};
