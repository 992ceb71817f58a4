import { LlmCallError } from "./errors.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

/**
 * The size guard in front of every live call (`--max-prompt-tokens`): a request whose estimated prompt is longer than
 * the limit is refused before anything is sent or paid for, with a PromptTooLongError that the stage runner records
 * as a rejected row (reason `prompt_too_long`).
 *
 * The limit, in this order: the flag; else the published context window of a well-known model name (table below);
 * else DEFAULT_MAX_PROMPT_TOKENS. The server is not asked (no request beyond the chat calls themselves); a server
 * with a shorter context still answers an over-long prompt with HTTP 400, a failed call of that row.
 */

/** The limit when neither the flag, the server nor the table gives one. */
export const DEFAULT_MAX_PROMPT_TOKENS = 32_768;

/**
 * Published context windows (tokens) of common model families, matched on the lower-cased name without a provider
 * prefix ("Qwen/Qwen2-72B-Instruct" -> "qwen2-72b-instruct"); first match wins. Qwen2/Qwen2.5 are listed at their
 * native 32,768 positions (longer only with YaRN scaling: then set --max-prompt-tokens).
 */
export const KNOWN_CONTEXT_WINDOWS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-4o/, 128_000],
  [/^gpt-4-turbo/, 128_000],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^o1-mini/, 128_000],
  [/^(o1|o3|o4-mini)/, 200_000],
  [/^qwen2(\.5)?-/, 32_768],
  [/^(meta-)?llama-3\.[123]-/, 131_072],
  [/^(meta-)?llama-3-/, 8_192],
];

export function knownContextWindow(model: string): number | undefined {
  const name = model.toLowerCase().replace(/^.*\//, "");
  for (const [pattern, tokens] of KNOWN_CONTEXT_WINDOWS) if (pattern.test(name)) return tokens;
  return undefined;
}

/** A prompt-token limit and where it came from (shown in every refusal). */
export interface PromptLimit {
  /** 0 = no limit. */
  tokens: number;
  source: string;
}

/**
 * Estimated prompt tokens of a request, without a tokenizer: about 4 ASCII characters per token (English text and
 * code under the BPE vocabularies of GPT-4o, Qwen2 and Llama 3), one token per CJK character, two per character
 * outside the Basic Multilingual Plane (emoji), one per two other characters (accented Latin, Cyrillic...), plus
 * the chat template's few tokens per message. It decides only whether a request is sent.
 */
export function estimatePromptTokens(request: Pick<ChatRequest, "messages">): number {
  let tokens = 3;
  for (const m of request.messages) tokens += 4 + estimateTextTokens(m.content);
  return tokens;
}

export function estimateTextTokens(text: string): number {
  let ascii = 0;
  let wide = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii++;
    else if (c >= 0xd800 && c <= 0xdbff) {
      wide += 2; // a surrogate pair: one astral character
      i++;
    } else if (
      (c >= 0x2e80 && c <= 0x9fff) || // CJK radicals, kana, ideographs
      (c >= 0xac00 && c <= 0xd7af) || // Hangul
      (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility ideographs
      (c >= 0xff00 && c <= 0xffef) // full-width forms
    )
      wide++;
    else other++;
  }
  return Math.ceil(ascii / 4 + wide + other / 2);
}

/** A request refused by the size guard: nothing was sent. Not retryable, not fatal (other rows go on). */
export class PromptTooLongError extends LlmCallError {
  readonly code = "prompt_too_long";

  constructor(
    readonly estimatedTokens: number,
    readonly limit: PromptLimit,
  ) {
    super(
      `prompt_too_long: about ${estimatedTokens} prompt tokens (estimated), over the limit of ${limit.tokens} ` +
        `(${limit.source}); not sent. Raise --max-prompt-tokens to send it anyway.`,
      { kind: "bad_request", retryable: false },
    );
    this.name = "PromptTooLongError";
  }
}

export function isPromptTooLong(err: unknown): err is PromptTooLongError {
  return err instanceof PromptTooLongError;
}

/** The guard as a ChatModel layer, with a fixed limit. */
export class PromptLimitChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;

  constructor(
    private readonly inner: ChatModel,
    readonly limit: PromptLimit,
  ) {
    this.id = inner.id;
    this.model = inner.model;
  }

  chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
    if (this.limit.tokens > 0) {
      const estimate = estimatePromptTokens(request);
      if (estimate > this.limit.tokens) return Promise.reject(new PromptTooLongError(estimate, this.limit));
    }
    return this.inner.chat(request, options);
  }
}

/** The limit for a model: `explicit` (the flag; 0 = none), else the table, else the default. */
export function resolvePromptLimit(model: string, explicit: number | undefined): PromptLimit {
  if (explicit !== undefined)
    return { tokens: explicit, source: explicit === 0 ? "--max-prompt-tokens 0: no limit" : "--max-prompt-tokens" };
  const known = knownContextWindow(model);
  if (known !== undefined) return { tokens: known, source: `published context window of ${model}` };
  return { tokens: DEFAULT_MAX_PROMPT_TOKENS, source: "default limit; set --max-prompt-tokens" };
}
