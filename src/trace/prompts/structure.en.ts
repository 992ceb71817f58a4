import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Instruction structuring (paper appendix B.2): split a complex instruction into task description, constraints
 * and input, in the fixed `#Task Description:` / `#Constraints:` / `#Input:` layout; `NULL` when there is no
 * input. Our own wording. Each constraint line ends with its taxonomy dimension in brackets, which becomes the
 * record's `levels2` label. Slots: instruction, dimensions (the 26 names).
 */
export const STRUCTURE_EN: PromptTemplate = {
  name: "structure.en",
  text: `You are an expert at analysing instructions. Split the following instruction into three parts:
- Task Description: what the user asks for, without any of the constraints and without the input.
- Constraints: every requirement the response must satisfy, one per line, numbered 1., 2., 3., ...; copy each constraint faithfully, do not add, merge or drop any. End each constraint line with its dimension in square brackets, one of: {{dimensions}}.
- Input: the material the task works on (a text, table, data), copied exactly; write NULL if there is none.

Answer in exactly this format and nothing else:
#Task Description: <task description>
#Constraints:
1. <constraint> [<dimension>]
2. <constraint> [<dimension>]
#Input: <input or NULL>

Instruction:
{{instruction}}`,
};
