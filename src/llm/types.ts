import type { ChatMessage } from "../data/schemas.js";

export type { ChatMessage };

/** One chat-completion request, in OpenAI's snake_case names. */
export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop?: string[];
  /**
   * Extra body fields sent as-is to the endpoint (e.g. vLLM's `chat_template_kwargs`, `response_format`).
   * Part of the request body, hence of the cache key.
   */
  extra_body?: Record<string, unknown>;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatResponse {
  text: string;
  usage: TokenUsage;
  /** The model that answered (as configured, never the key or URL credentials). */
  model: string;
  finish_reason?: string;
  /** True when served from the response cache (no API call was made). */
  cached?: boolean;
  /** True when produced by the dry-run model: the text is empty and no endpoint was called. */
  dry_run?: boolean;
}

export interface ChatCallOptions {
  signal?: AbortSignal;
  /** Hash of the prompt template that produced the request; part of the cache key and of provenance. */
  templateHash?: string;
  /** Stage name for usage accounting and progress. */
  stage?: string;
  /**
   * Identical requests are one call (cached, merged in flight). To draw several independent samples of the same
   * request (temperature > 0), give each a distinct sample index; it is part of the cache key, not of the body.
   */
  sample?: number;
}

/**
 * Anything that answers chat requests: an OpenAI-compatible endpoint (vLLM, SGLang, Ollama, llama.cpp, OpenAI,
 * DashScope...), the in-process engine, or the offline demo world's scripted programs.
 */
export interface ChatModel {
  /** Stable identity for caching and provenance, e.g. "openai-compatible:http://host/v1#qwen2-72b". */
  readonly id: string;
  /** The model name as recorded in provenance. */
  readonly model: string;
  chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse>;
}
