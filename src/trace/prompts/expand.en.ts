import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Constraint expansion (paper appendix B.1): turn a simple instruction into a complex one by adding constraints
 * drawn from the taxonomy, reasoning first in <explain>, answer in <result>. Our own wording of the appendix's
 * structure. Slots: taxonomy (rendered 5 types x 26 dimensions), instruction, count, dimensions (suggested).
 */
export const EXPAND_EN: PromptTemplate = {
  name: "expand.en",
  text: `You are an expert at writing complex instructions. Your task is to rewrite a simple instruction into a complex instruction by adding constraints to it.

Constraints are requirements the response has to satisfy. They fall into the following types and dimensions:
{{taxonomy}}

Requirements:
1. Keep the original task: the rewritten instruction must ask for the same thing as the simple instruction.
2. Add exactly {{count}} constraints. Prefer these dimensions: {{dimensions}}. Choose constraints that make sense for this task.
3. Every constraint must be concrete, checkable in the response, and must not contradict the task or the other constraints.
4. Constraints must not repeat each other or restate the task.
5. If the task needs an input (a text, a table, data to work on), include it in the instruction.
6. Write the instruction in the same language as the simple instruction, as a user would write it.

First explain which constraints you add and why, inside <explain></explain>. Then give only the rewritten instruction inside <result></result>.

Simple instruction:
{{instruction}}`,
};
