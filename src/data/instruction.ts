import type { ChatMessage } from "./schemas.js";

/** The TRACE "no input" marker used by the released evaluation set. */
export const NULL_INPUT = "NULL";

/**
 * Render a structured instruction as the user prompt exactly as the released TRACE evaluation set does:
 * `description + "\n" + constraints + "\n"`, then `"# Inputs:\n" + input + "\n"` when there is an input.
 * (Verified against all 1,042 records of 2024_trace_evaluation.jsonl.)
 */
export function renderInstruction(description: string, constraints: readonly string[] | string, input: string): string {
  const c = typeof constraints === "string" ? constraints : constraints.join("\n");
  let text = `${description}\n${c}\n`;
  if (input !== NULL_INPUT && input !== "") text += `# Inputs:\n${input}\n`;
  return text;
}

/** The chat messages of a structured instruction (TRACE uses this fixed system prompt). */
export function instructionMessages(
  description: string,
  constraints: readonly string[] | string,
  input: string,
): ChatMessage[] {
  return [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: renderInstruction(description, constraints, input) },
  ];
}
