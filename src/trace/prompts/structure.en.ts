import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Instruction structuring (paper appendix B.2): split a complex instruction into task description, constraints
 * and input, in the fixed `#Task Description:` / `#Constraints:` / `#Input:` layout; `NULL` when there is no
 * input; no piece of information in two parts. As in B.2, the structurer first judges the instruction and does not
 * split one that is of poor quality, incomplete or contradictory: it answers `#Skip: <reason>` instead. Our own
 * wording. Each constraint line ends with its taxonomy dimension in brackets, which becomes the record's `levels2`
 * label. Slots: instruction, dimensions (the 26 names).
 */
export const STRUCTURE_EN: PromptTemplate = {
  name: "structure.en",
  text: `You are an expert at analysing instructions. First judge the instruction below. If it is of poor quality, incomplete (it refers to material it does not give) or contradictory (two of its requirements cannot both be met), do not split it: answer only with the line
#Skip: <short reason>

Otherwise split it into three parts:
- Task Description: what the user asks for, without any of the constraints and without the input.
- Constraints: every requirement the response must satisfy, one per line, numbered 1., 2., 3., ...; copy each constraint faithfully, do not add, merge or drop any. End each constraint line with its dimension in square brackets, one of: {{dimensions}}.
- Input: the material the task works on (a text, table, data), copied exactly; write NULL if there is none.
No piece of information may appear in two parts, and together the parts must mean exactly what the instruction means.

Answer in exactly this format and nothing else:
#Task Description: <task description>
#Constraints:
1. <constraint> [<dimension>]
2. <constraint> [<dimension>]
#Input: <input or NULL>

Instruction:
{{instruction}}`,
};
