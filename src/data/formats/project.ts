import { z } from "zod";
import { validate } from "../jsonl.js";
import { type ChatMessage, ChatMessageSchema, type IopoGroup, IopoGroupSchema, SftRowSchema } from "../schemas.js";
import { checkPromptTurns, fail, splitSystem } from "./messages.js";
import type { RowSource, SftExample } from "./types.js";

/** Project IOPO group (docs/design.md, section 4), validated; both prompts must end with a user turn. */
export function importIopoGroup(value: unknown, src: RowSource): IopoGroup {
  const g = validate(IopoGroupSchema, value, src.file, src.line);
  for (const x of ["x1", "x2"] as const) checkPromptTurns(splitSystem(g[x].messages).turns, src, `${x}.messages`);
  return g;
}

/** Project SFT row: TRL `messages` (last turn = the assistant completion) or prompt/completion strings. */
export function importSftRow(value: unknown, src: RowSource): SftExample {
  const row = validate(SftRowSchema, value, src.file, src.line) as Record<string, unknown>;
  const id = row.id === undefined ? undefined : String(row.id);
  if ("messages" in row) {
    const messages = row.messages as ChatMessage[];
    const last = messages[messages.length - 1];
    if (last.role !== "assistant")
      fail(
        src,
        `messages.${messages.length - 1}.role`,
        "last message must be assistant (a TRACE record, whose messages end with the user turn, needs its answer " +
          "in a `response` field to be an SFT example)",
      );
    const prompt = messages.slice(0, -1);
    checkPromptTurns(splitSystem(prompt).turns, src, "messages");
    return { id, prompt, completion: last.content };
  }
  return { id, prompt: [{ role: "user", content: row.prompt as string }], completion: row.completion as string };
}

export function exportSftRow(row: SftExample): Record<string, unknown> {
  return {
    ...(row.id !== undefined ? { id: row.id } : {}),
    messages: [...row.prompt, { role: "assistant", content: row.completion }],
  };
}

/** The fields of a TRACE record an SFT example needs (the record's other fields are kept by readers, unused here). */
const TraceSftSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).optional(),
  messages: z.array(ChatMessageSchema).min(1),
  response: z.string(),
});

/**
 * TRACE record (`trace build`'s trace.jsonl, the released set's fields + `response`) as an SFT example: the prompt is
 * `messages` (system + user, ending with the user turn), the completion is `response`.
 */
export function importTraceRecord(value: unknown, src: RowSource): SftExample {
  const row = validate(TraceSftSchema, value, src.file, src.line);
  const messages = row.messages as ChatMessage[];
  const last = messages[messages.length - 1];
  if (last.role === "assistant")
    fail(
      src,
      `messages.${messages.length - 1}.role`,
      "a TRACE record's messages end with the user turn (its answer is `response`); this one ends with an assistant turn",
    );
  checkPromptTurns(splitSystem(messages).turns, src, "messages");
  return { ...(row.id !== undefined ? { id: String(row.id) } : {}), prompt: messages, completion: row.response };
}

/** An SFT example as a TRACE-shaped row: `messages` (the prompt) + `response`. */
export function exportTraceRow(row: SftExample): Record<string, unknown> {
  return { ...(row.id !== undefined ? { id: row.id } : {}), messages: row.prompt, response: row.completion };
}
