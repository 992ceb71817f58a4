/**
 * Errors of the LLM access layer. Every failure of a chat call surfaces as an `LlmCallError` whose `kind` says what
 * happened and whether trying again can help; the scheduler decides on retries from these fields alone.
 */

export type LlmErrorKind =
  /** HTTP 429. Retryable, honours Retry-After. */
  | "rate_limit"
  /** HTTP 5xx, 408, 409. Retryable. */
  | "server"
  /** No answer within the per-call timeout. Retryable. */
  | "timeout"
  /** Connection refused/reset, or the body was cut off mid-transfer. Retryable. */
  | "connection"
  /** HTTP 200 whose body is not a chat completion (invalid JSON, no choices, content filtered). Retryable. */
  | "invalid_response"
  /** HTTP 200 with an empty reply text. Never cached; retryable unless max_tokens cut it (that would repeat). */
  | "empty_response"
  /** HTTP 400/422/413 etc.: this request is wrong; repeating it cannot help. */
  | "bad_request"
  /** HTTP 401/403/404: the configuration is wrong (key, permissions, model or base URL); every call will fail. */
  | "config"
  /** Cancelled by the caller (or by fail-fast after another call failed). */
  | "aborted"
  /** An unexpected error; not retried so that bugs are not hidden behind retries. */
  | "unknown";

const RETRYABLE: ReadonlySet<LlmErrorKind> = new Set([
  "rate_limit",
  "server",
  "timeout",
  "connection",
  "invalid_response",
  "empty_response",
]);

export interface LlmCallErrorInit {
  kind: LlmErrorKind;
  status?: number;
  /** Server-requested wait before the next attempt (Retry-After / retry-after-ms), in milliseconds. */
  retryAfterMs?: number;
  /** Overrides the kind's default (the `x-should-retry` header can). */
  retryable?: boolean;
  cause?: unknown;
}

export class LlmCallError extends Error {
  readonly kind: LlmErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly retryable: boolean;
  /** Attempts made before giving up (set by the scheduler). */
  attempts = 1;

  constructor(message: string, init: LlmCallErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "LlmCallError";
    this.kind = init.kind;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.retryable = init.retryable ?? RETRYABLE.has(init.kind);
  }

  /** Configuration errors make every later call fail the same way: the scheduler stops all work on them. */
  get fatal(): boolean {
    return this.kind === "config";
  }
}

/**
 * Raised BEFORE a live call whose worst-case cost could push spending past `--max-budget`. Nothing is sent; the
 * pipeline stops cleanly (finished rows are kept, no half-written output).
 */
export class BudgetExceededError extends Error {
  constructor(
    readonly capUsd: number,
    readonly spentUsd: number,
    readonly reservedUsd: number,
    readonly callWorstCaseUsd: number,
  ) {
    super(
      `budget cap reached: spent $${spentUsd.toFixed(4)} (+ $${reservedUsd.toFixed(4)} in flight); the next call ` +
        `could cost up to $${callWorstCaseUsd.toFixed(4)}, which would exceed --max-budget $${capUsd}. ` +
        `Stopped before calling; rerun with a higher --max-budget to continue (finished calls are cached).`,
    );
    this.name = "BudgetExceededError";
  }
}

/**
 * Errors after which no other call of a run can succeed (a spent budget, a configuration error such as a bad key or
 * model, a cancelled run): a pipeline stops on them instead of recording one failed row per call.
 */
export function isFatalLlmError(err: unknown): boolean {
  if (err instanceof BudgetExceededError) return true;
  return err instanceof LlmCallError && (err.kind === "config" || err.kind === "aborted");
}

/** Replace every occurrence of each secret in a text (error messages, bodies echoed by servers). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[REDACTED]");
  }
  return out;
}
