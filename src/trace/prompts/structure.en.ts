import type { PromptTemplate } from "./template.js";

/**
 * Instruction structuring (paper appendix B.2): split a complex instruction into task description, constraints
 * and input, in the fixed `#Task Description:` / `#Constraints:` / `#Input:` layout; `NULL` when there is no
 * input. Our own wording. Slot: instruction.
 */
export const STRUCTURE_EN: PromptTemplate = {
  name: "structure.en",
  text: `You are an expert at analysing instructions. Split the following instruction into three parts:
- Task Description: what the user asks for, without any of the constraints and without the input.
- Constraints: every requirement the response must satisfy, one per line, numbered 1., 2., 3., ...; copy each constraint faithfully, do not add, merge or drop any.
- Input: the material the task works on (a text, table, data), copied exactly; write NULL if there is none.

Answer in exactly this format and nothing else:
#Task Description: <task description>
#Constraints:
1. <constraint>
2. <constraint>
#Input: <input or NULL>

Instruction:
{{instruction}}`,
};
