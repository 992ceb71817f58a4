import { instructionMessages } from "../data/instruction.js";
import type { ChatMessage } from "../data/schemas.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import { RESPOND } from "./prompts/respond.js";
import type { StructuredFields } from "./structure.js";

/** Stage 4, response generation: the plain rendered instruction as the user message (TRACE `messages`). */

export interface RespondedRow extends PipelineRow {
  messages: ChatMessage[];
  response: string;
}

/** The chat messages of a row: its own `messages` if it has them (released records), else rendered from structure. */
export function messagesOf(row: PipelineRow): ChatMessage[] {
  if (Array.isArray(row.messages) && row.messages.length > 0) return row.messages as ChatMessage[];
  const s = row as unknown as StructuredFields;
  return instructionMessages(s.description, s.constraints_splits, s.input);
}

export function respondStage(
  params: { temperature?: number; max_tokens?: number } = {},
): Stage<PipelineRow, RespondedRow> {
  return {
    name: "respond",
    template: () => RESPOND,
    params: { temperature: params.temperature ?? 0.7, max_tokens: params.max_tokens ?? 4096 },
    request(row, ctx) {
      return { messages: messagesOf(row), ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<RespondedRow> {
      if (text.trim() === "") return { kind: "parse_failure", detail: "empty response" };
      return { kind: "ok", row: { ...row, messages: messagesOf(row), response: text } };
    },
  };
}
