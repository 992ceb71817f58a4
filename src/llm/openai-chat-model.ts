import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { LlmCallError, redactSecrets } from "./errors.js";
import { createNodeHttpFetch } from "./node-http-fetch.js";
import { buildRequestBody, publicBaseUrl } from "./request-body.js";
import { parseRetryAfter } from "./retry-policy.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

export interface OpenAIChatModelOptions {
  /**
   * e.g. http://127.0.0.1:8000/v1. Default: `OPENAI_BASE_URL`. There is no built-in endpoint: with neither, the
   * constructor throws, so requests (and the key) never go to a public API nobody named.
   */
  baseUrl?: string;
  model: string;
  /** Default: `OPENAI_API_KEY`. Local servers (vLLM, Ollama, llama.cpp) usually need none. */
  apiKey?: string;
  /** Per-attempt limit covering connect, headers and body, in ms. Default 300 000 (5 min). */
  timeoutMs?: number;
  /** Environment to read defaults from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /**
   * HTTP transport under the SDK: "node-http" (default; keep-alive node:http, ~3x less CPU per call) or "fetch"
   * (Node's built-in fetch, the SDK's own default).
   */
  transport?: "node-http" | "fetch";
}

export const DEFAULT_TIMEOUT_MS = 300_000;
/** Sent when no key is configured: local OpenAI-compatible servers accept anything (vLLM's own convention). */
const NO_KEY = "EMPTY";

/**
 * One attempt = one HTTP request to an OpenAI-compatible `/chat/completions` endpoint through the `openai` SDK.
 *
 * The SDK's own retries are off (maxRetries 0): the scheduler owns retries, so attempts, backoff and counters are in
 * one place. Every failure is converted to an `LlmCallError` with the key redacted from its message; the key is sent
 * only in the Authorization header and is never part of `id`, errors or responses.
 */
export class OpenAIChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  /** The base URL without credentials (safe to print). */
  readonly publicBaseUrl: string;
  private readonly client: OpenAI;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly bufferedTransport: boolean;

  constructor(options: OpenAIChatModelOptions) {
    const env = options.env ?? process.env;
    const baseUrl = options.baseUrl || env.OPENAI_BASE_URL;
    if (!baseUrl) throw new Error(NO_ENDPOINT);
    const parsed = safeUrl(baseUrl);
    if (parsed.username || parsed.password) {
      // fetch() refuses such URLs, and printing them would leak the password.
      throw new Error(
        `base URL ${publicBaseUrl(baseUrl)} must not contain user:password; pass the key via OPENAI_API_KEY`,
      );
    }
    if (!options.model) throw new Error("no model name given (--model)");
    this.model = options.model;
    this.apiKey = options.apiKey ?? (env.OPENAI_API_KEY || undefined);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.bufferedTransport = options.transport !== "fetch";
    this.publicBaseUrl = publicBaseUrl(baseUrl);
    this.id = `openai-compatible:${this.publicBaseUrl}#${this.model}`;
    this.client = new OpenAI({
      baseURL: baseUrl,
      apiKey: this.apiKey ?? NO_KEY,
      maxRetries: 0,
      timeout: this.timeoutMs,
      // Keep the SDK quiet regardless of OPENAI_LOG: its debug logs would print request details.
      logLevel: "off",
      ...(options.transport === "fetch" ? {} : { fetch: createNodeHttpFetch() }),
    });
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const body = buildRequestBody(this.model, request);
    const params = body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    // A fresh signal per attempt: the SDK adds an abort listener to the signal it is given and never removes it, so
    // handing it the caller's long-lived signal would pile up one listener per call for the whole run.
    const attempt = new AbortController();
    const caller = options.signal;
    const onCallerAbort = () => attempt.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener("abort", onCallerAbort, { once: true });
    // The node:http transport resolves only once the whole body is in, so the SDK's own timeout covers it all; with
    // the built-in fetch (resolves at the headers) our own timer also covers the body.
    let timedOut = false;
    const timeout = this.bufferedTransport
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          attempt.abort();
        }, this.timeoutMs);
    let completion: unknown;
    try {
      completion = await this.client.chat.completions.create(params, {
        signal: attempt.signal,
        maxRetries: 0,
        timeout: this.timeoutMs,
      });
    } catch (err) {
      throw this.toLlmError(err, timedOut && !caller?.aborted);
    } finally {
      if (timeout) clearTimeout(timeout);
      caller?.removeEventListener("abort", onCallerAbort);
    }
    return this.toResponse(completion);
  }

  private toResponse(completion: unknown): ChatResponse {
    const c = completion as Partial<OpenAI.ChatCompletion> | string | null | undefined;
    if (!c || typeof c !== "object" || !Array.isArray(c.choices) || c.choices.length === 0) {
      throw new LlmCallError(`${this.where()}: the response is not a chat completion (no choices)`, {
        kind: "invalid_response",
      });
    }
    const choice = c.choices[0]!;
    const content = choice.message?.content;
    const finish = choice.finish_reason ?? undefined;
    if (finish === "content_filter") {
      throw new LlmCallError(`${this.where()}: the reply was withheld by the endpoint's content filter`, {
        kind: "invalid_response",
      });
    }
    if (typeof content !== "string" || content.length === 0) {
      if (finish === "length") {
        // Deterministic, so not worth retrying: the token budget ran out before any answer text (typically a
        // reasoning model spending max_tokens on its hidden reasoning).
        throw new LlmCallError(
          `${this.where()}: empty reply: max_tokens was reached before any answer text (a reasoning model? ` +
            "raise max_tokens or disable thinking)",
          { kind: "empty_response", retryable: false },
        );
      }
      throw new LlmCallError(`${this.where()}: empty reply (finish_reason ${finish ?? "missing"})`, {
        kind: "empty_response",
      });
    }
    const usage = c.usage;
    return {
      text: content,
      usage: {
        prompt_tokens: nonNegativeInt(usage?.prompt_tokens),
        completion_tokens: nonNegativeInt(usage?.completion_tokens),
      },
      model: this.model,
      finish_reason: finish,
      cached: false,
    };
  }

  private toLlmError(err: unknown, timedOut: boolean): LlmCallError {
    const where = this.where();
    const clean = (msg: string) => redactSecrets(msg, [this.apiKey]);
    if (timedOut || err instanceof APIConnectionTimeoutError) {
      return new LlmCallError(`${where}: no complete answer within ${this.timeoutMs} ms (timeout)`, {
        kind: "timeout",
      });
    }
    if (err instanceof APIUserAbortError || (err instanceof Error && err.name === "AbortError")) {
      return new LlmCallError(`${where}: cancelled`, { kind: "aborted" });
    }
    if (err instanceof APIError && typeof err.status === "number") {
      const status = err.status;
      const headers = err.headers;
      const retryAfterMs = headers ? parseRetryAfter(headers) : undefined;
      const shouldRetry = headers?.get("x-should-retry");
      const retryable = shouldRetry === "true" ? true : shouldRetry === "false" ? false : undefined;
      const detail = clean(err.message).replace(/\.+$/, "");
      if (status === 429) {
        return new LlmCallError(`${where}: rate limited (HTTP 429): ${detail}`, {
          kind: "rate_limit",
          status,
          retryAfterMs,
          retryable,
        });
      }
      if (status >= 500 || status === 408 || status === 409) {
        return new LlmCallError(`${where}: server error (HTTP ${status}): ${detail}`, {
          kind: "server",
          status,
          retryAfterMs,
          retryable,
        });
      }
      if (status === 401 || status === 403 || status === 404) {
        const what = status === 404 ? "not found" : "authentication failed";
        return new LlmCallError(`${where}: ${what} (HTTP ${status}): ${detail}. ${configHint(status, this.apiKey)}`, {
          kind: "config",
          status,
        });
      }
      return new LlmCallError(`${where}: request rejected (HTTP ${status}): ${detail}`, {
        kind: "bad_request",
        status,
        retryable,
      });
    }
    if (err instanceof APIConnectionError) {
      return new LlmCallError(`${where}: connection failed: ${clean(describeCause(err))}`, { kind: "connection" });
    }
    if (err instanceof SyntaxError) {
      return new LlmCallError(`${where}: the response body is not valid JSON: ${clean(err.message)}`, {
        kind: "invalid_response",
      });
    }
    if (isNetworkError(err)) {
      return new LlmCallError(`${where}: connection lost while reading the response: ${clean(describeCause(err))}`, {
        kind: "connection",
      });
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new LlmCallError(`${where}: unexpected error: ${clean(msg)}`, { kind: "unknown" });
  }

  private where(): string {
    return `${this.publicBaseUrl} (model ${this.model})`;
  }
}

/** Why a model cannot be built without an endpoint (also the CLI's wording). */
export const NO_ENDPOINT =
  "no endpoint given: pass --base-url URL (e.g. http://127.0.0.1:8000/v1, or https://api.openai.com/v1 for OpenAI) " +
  "or set OPENAI_BASE_URL; requests and the API key go only to an endpoint you name";

function configHint(status: number, apiKey: string | undefined): string {
  const stop = " Every call would fail the same way, so the run stops at once (no retries).";
  if (status === 401) {
    return (apiKey ? "Check the API key (it was rejected)." : "No API key is set (OPENAI_API_KEY).") + stop;
  }
  if (status === 403) return `The key has no access to this model or endpoint.${stop}`;
  return `Check --model and --base-url (the base URL usually ends in /v1).${stop}`;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

/** undici reports a body cut off mid-transfer as `TypeError: terminated` with a socket error as its cause. */
function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("UND_ERR"))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /^(terminated|fetch failed|other side closed)/i.test(message)) return true;
  }
  return false;
}

function describeCause(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    const code = (e as { code?: unknown }).code;
    const text = [typeof message === "string" ? message : "", typeof code === "string" ? `(${code})` : ""]
      .filter(Boolean)
      .join(" ");
    if (text && !parts.includes(text)) parts.push(text);
  }
  return parts.join(": ") || "unknown network error";
}

function safeUrl(baseUrl: string): URL {
  try {
    return new URL(baseUrl);
  } catch {
    throw new Error("invalid base URL (expected e.g. http://127.0.0.1:8000/v1)");
  }
}

function nonNegativeInt(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
