import { DataError } from "../errors.js";
import type { ChatMessage } from "../schemas.js";
import type { RowSource } from "./types.js";

export function fail(src: RowSource, field: string | undefined, detail: string): never {
  throw new DataError(src.file, src.line, field, detail);
}

/** Split a prompt into its leading system message (if any) and the remaining turns. */
export function splitSystem(prompt: readonly ChatMessage[]): { system: string | undefined; turns: ChatMessage[] } {
  if (prompt.length > 0 && prompt[0].role === "system") return { system: prompt[0].content, turns: prompt.slice(1) };
  return { system: undefined, turns: [...prompt] };
}

/**
 * The system prompt to write into a row's `system` column: every non-empty one, TRACE's default included. LLaMA-Factory
 * templates add their own default only when the column is empty, and that default is not the data's (it differs
 * between templates and template versions), so leaving it out would train on another system prompt than the data has.
 */
export function explicitSystem(system: string | undefined): string | undefined {
  return system === undefined || system === "" ? undefined : system;
}

export function withSystem(system: string | undefined, turns: ChatMessage[]): ChatMessage[] {
  return system === undefined || system === "" ? turns : [{ role: "system", content: system }, ...turns];
}

/** Check that prompt turns alternate user/assistant and end with a user turn (what a response continues). */
export function checkPromptTurns(turns: readonly ChatMessage[], src: RowSource, field: string): void {
  if (turns.length === 0) fail(src, field, "prompt has no user turn");
  turns.forEach((m, i) => {
    const expected = i % 2 === 0 ? "user" : "assistant";
    if (m.role !== expected)
      fail(src, `${field}.${i}.role`, `expected "${expected}" (turns must alternate user/assistant), got "${m.role}"`);
  });
  if (turns.length % 2 === 0) fail(src, field, "prompt must end with a user turn");
}

/** LLaMA-Factory sharegpt role tags (defaults of dataset_info `tags`). */
const FROM_TO_ROLE: Record<string, ChatMessage["role"]> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  system: "system",
};

export interface ShareGptTurn {
  from: string;
  value: string;
}

export function shareGptToMessage(turn: unknown, src: RowSource, field: string): ChatMessage {
  if (!turn || typeof turn !== "object") fail(src, field, "expected an object {from, value}");
  const t = turn as Record<string, unknown>;
  if (typeof t.from !== "string") fail(src, `${field}.from`, "expected a string");
  if (typeof t.value !== "string") fail(src, `${field}.value`, "expected a string");
  const role = FROM_TO_ROLE[t.from];
  if (!role) fail(src, `${field}.from`, `unknown role "${t.from}" (expected human, gpt or system)`);
  return { role, content: t.value };
}

export function messageToShareGpt(m: ChatMessage): ShareGptTurn {
  return { from: m.role === "user" ? "human" : m.role === "assistant" ? "gpt" : "system", value: m.content };
}
