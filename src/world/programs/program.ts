import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../llm/types.js";
import { matchTemplate } from "../template-match.js";

/**
 * A world program: the stand-in for one role the paper gives to an LLM (Qwen2-72B constructs, GPT-4o judges).
 * It recognises the requests of its pipeline stage by their prompt template and answers them in that stage's
 * output format, deterministically: the answer is a function of the request and the world options only.
 */
export interface WorldOptions {
  /** Share of expansions that carry a deliberately contradictory pair (for the structurer to skip, B.2). */
  contradictionRate: number;
  /** Share of structurings with a slip: a dropped input, a constraint echoed in the description, a dropped constraint. */
  structurerSlipRate: number;
  /** Share of responses that break one constraint (so the response judge has something to reject). */
  responderErrorRate: number;
  /** Varies every free choice of the world; the request's `seed` is folded in as well. */
  salt: string;
}

export const DEFAULT_WORLD_OPTIONS: WorldOptions = {
  contradictionRate: 0.1,
  structurerSlipRate: 0.05,
  responderErrorRate: 0.1,
  salt: "world",
};

export interface ProgramContext {
  options: WorldOptions;
  request: ChatRequest;
  /** Options salt + request seed: the prefix of every random key the program draws. */
  salt: string;
}

export type Role = "constructor" | "judge";

export interface WorldProgram {
  /** The pipeline stage it answers ("expand", "structure", "judge", ...). */
  readonly stage: string;
  /** Which of the paper's LLMs it stands in for. */
  readonly role: Role;
  /** The slot values when the request is one of this program's, else undefined. */
  recognise(request: ChatRequest): Record<string, string> | undefined;
  /** The reply text. Throws (a call failure upstream) when the request is not in the world's language. */
  answer(slots: Record<string, string>, ctx: ProgramContext): string;
}

/** The single user message of a one-turn request. */
export function soleUserMessage(request: ChatRequest): string | undefined {
  const m = request.messages;
  return m.length === 1 && m[0].role === "user" ? m[0].content : undefined;
}

/** Recognises one-user-message prompts rendered from any of `templates` (e.g. the en and zh variants). */
export function byTemplates(...templates: string[]): (request: ChatRequest) => Record<string, string> | undefined {
  return (request) => {
    const prompt = soleUserMessage(request);
    if (prompt === undefined) return undefined;
    for (const t of templates) {
      const slots = matchTemplate(t, prompt);
      if (slots) return slots;
    }
    return undefined;
  };
}

/** Rough token count (about four characters a token) for usage accounting. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function contextFor(request: ChatRequest, options: WorldOptions): ProgramContext {
  return { options, request, salt: `${options.salt}:${request.seed ?? 0}` };
}

export class WorldError extends Error {}

/** The first 80 characters of the request's last message, for error messages. */
export function promptHead(request: ChatRequest): string {
  const text = request.messages.at(-1)?.content ?? "";
  return JSON.stringify(text.slice(0, 80));
}

/** One program as a ChatModel on its own (the facade in ../world-chat-model.ts serves all of them). */
export class ProgramChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  constructor(
    private readonly program: WorldProgram,
    private readonly options: WorldOptions = DEFAULT_WORLD_OPTIONS,
  ) {
    this.id = `world:${program.stage}`;
    this.model = this.id;
  }

  async chat(request: ChatRequest, _options?: ChatCallOptions): Promise<ChatResponse> {
    const slots = this.program.recognise(request);
    if (!slots) throw new WorldError(`${this.id}: not a ${this.program.stage} prompt: ${promptHead(request)}`);
    return replyOf(this.model, request, this.program.answer(slots, contextFor(request, this.options)));
  }
}

export function replyOf(model: string, request: ChatRequest, text: string): ChatResponse {
  const prompt = request.messages.reduce((n, m) => n + approxTokens(m.content), 0);
  return {
    text,
    model,
    usage: { prompt_tokens: prompt, completion_tokens: approxTokens(text) },
    finish_reason: "stop",
  };
}
