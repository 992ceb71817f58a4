import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Quality control, redundancy (paper appendix B.4): is one structured instruction redundant? Section 4.1 names
 * the case it targets: redundancy between the task description and the constraints (a requirement stated in both,
 * a constraint that only restates the task). Verdict line `<tag>: Redundant` or `<tag>: Not Redundant`. Our own
 * wording and examples. Slot: structured.
 */
export const REDUNDANCY_EN: PromptTemplate = {
  name: "redundancy.en",
  text: `You are a strict data quality inspector. Below is an instruction in three parts: task description, constraints and input (the input may be NULL).
Decide whether the instruction is redundant, that is, whether the same information is given twice across its parts:
1. A requirement appears both in the task description and among the constraints.
2. A constraint only restates the task description instead of restricting the response.
3. Content of the input is repeated in the task description or in the constraints.
If any of these holds, the instruction is redundant.

Example: "#Task Description: Write a four-line poem about autumn. #Constraints: 1. The poem has exactly four lines. 2. Mention falling leaves. #Input: NULL" is Redundant: the four lines are required twice.
Example: "#Task Description: Write a poem about autumn. #Constraints: 1. The poem has exactly four lines. 2. Mention falling leaves. #Input: NULL" is Not Redundant.

Explain your check inside <explain></explain>, then end with exactly one line:
<tag>: Redundant
or
<tag>: Not Redundant

Instruction:
{{structured}}`,
};
