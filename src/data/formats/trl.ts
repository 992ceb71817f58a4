import { validate } from "../jsonl.js";
import { type ChatMessage, ChatMessageSchema } from "../schemas.js";
import { checkPromptTurns, fail, splitSystem } from "./messages.js";
import type { PreferencePair, RowSource } from "./types.js";

/**
 * TRL preference rows (trl docs "Dataset formats": preference). Accepted on import:
 * - explicit prompt, conversational: {prompt: [messages], chosen: [assistant msg], rejected: [assistant msg]}
 * - explicit prompt, standard:       {prompt: "...", chosen: "...", rejected: "..."}
 * - implicit prompt, conversational: {chosen: [..., assistant], rejected: [..., assistant]} sharing a prefix
 * - implicit prompt, standard:       {chosen: "...", rejected: "..."}; the prompt is the longest common prefix,
 *   cut before a trailing space like TRL's `extract_prompt` ("The sky is" + " blue." / " green.").
 * This is also the project's DPO pair format (docs/design.md, section 4: TRL explicit-prompt conversational).
 */
export function importTrlPreference(value: unknown, src: RowSource): PreferencePair {
  if (!value || typeof value !== "object" || Array.isArray(value)) fail(src, undefined, "expected a JSON object");
  const row = value as Record<string, unknown>;
  const id = row.id === undefined ? undefined : String(row.id);
  for (const k of ["chosen", "rejected"]) if (!(k in row)) fail(src, k, "missing");
  const conversational = Array.isArray(row.chosen);
  if (conversational !== Array.isArray(row.rejected))
    fail(src, "rejected", "chosen and rejected must both be strings or both be message lists");
  if (!conversational) {
    if (typeof row.chosen !== "string") fail(src, "chosen", "expected a string or a list of messages");
    if (typeof row.rejected !== "string") fail(src, "rejected", "expected a string or a list of messages");
    if (row.prompt !== undefined) {
      if (typeof row.prompt !== "string") fail(src, "prompt", "standard rows need a string prompt");
      return { id, prompt: [{ role: "user", content: row.prompt }], chosen: row.chosen, rejected: row.rejected };
    }
    const cut = commonStringPrompt(row.chosen, row.rejected);
    if (cut === 0) fail(src, "chosen", "implicit prompt: chosen and rejected share no prefix");
    return {
      id,
      prompt: [{ role: "user", content: row.chosen.slice(0, cut) }],
      chosen: row.chosen.slice(cut),
      rejected: row.rejected.slice(cut),
    };
  }
  const chosen = validate(ChatMessageSchema.array().min(1), row.chosen, src.file, src.line);
  const rejected = validate(ChatMessageSchema.array().min(1), row.rejected, src.file, src.line);
  let prompt: ChatMessage[];
  let c: ChatMessage[];
  let r: ChatMessage[];
  if (row.prompt !== undefined) {
    if (!Array.isArray(row.prompt)) fail(src, "prompt", "conversational rows need a message-list prompt");
    prompt = validate(ChatMessageSchema.array().min(1), row.prompt, src.file, src.line);
    c = chosen;
    r = rejected;
  } else {
    let k = 0;
    while (
      k < chosen.length - 1 &&
      k < rejected.length - 1 &&
      chosen[k].role === rejected[k].role &&
      chosen[k].content === rejected[k].content
    )
      k++;
    prompt = chosen.slice(0, k);
    c = chosen.slice(k);
    r = rejected.slice(k);
  }
  checkPromptTurns(splitSystem(prompt).turns, src, "prompt");
  const single = (msgs: ChatMessage[], field: string) => {
    if (msgs.length !== 1 || msgs[0].role !== "assistant")
      fail(src, field, `expected exactly one assistant message after the prompt, got ${msgs.length} message(s)`);
    return msgs[0].content;
  };
  return { id, prompt, chosen: single(c, "chosen"), rejected: single(r, "rejected") };
}

/** TRL's implicit-prompt split for strings: the common prefix, ending before the space that precedes the split. */
function commonStringPrompt(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i > 0 && a[i - 1] === " ") i--;
  return i;
}

export type TrlStyle = "conversational" | "standard";

/**
 * Export a pair as a TRL explicit-prompt preference row. Standard rows carry no roles: the prompt must be one
 * user turn (a leading system message is dropped, since standard rows cannot hold it); use conversational for
 * anything else.
 */
export function exportTrlPreference(pair: PreferencePair, style: TrlStyle, src: RowSource): Record<string, unknown> {
  const id = pair.id !== undefined ? { id: pair.id } : {};
  if (style === "conversational")
    return {
      ...id,
      prompt: pair.prompt,
      chosen: [{ role: "assistant", content: pair.chosen }],
      rejected: [{ role: "assistant", content: pair.rejected }],
    };
  const { turns } = splitSystem(pair.prompt);
  if (turns.length !== 1)
    fail(
      src,
      "prompt",
      `a TRL standard row needs a single-turn prompt (got ${turns.length} turns); use conversational`,
    );
  return { ...id, prompt: turns[0].content, chosen: pair.chosen, rejected: pair.rejected };
}
