import { LlmCallError } from "./errors.js";

/**
 * When to try a failed call again and how long to wait first.
 *
 * Backoff is exponential with full jitter (delay drawn uniformly from [0, min(maxDelay, base * 2^(retry-1))]), the
 * scheme that spreads retries of many concurrent callers best. A server-requested wait (Retry-After in seconds or as an
 * HTTP date, or `retry-after-ms`) is honoured as a minimum, plus up to 10% jitter so 64 callers told "wait 2 s" do not
 * all return in the same millisecond.
 */
export interface RetryPolicy {
  /** Total attempts per call including the first (1 = no retries). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this makes the call fail instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
};

/** Whether this error is worth another attempt. */
export function isRetryable(err: unknown): boolean {
  return err instanceof LlmCallError && err.retryable;
}

/**
 * Milliseconds to wait before retry number `retry` (1 = the first retry), or undefined when the server asked for a
 * wait longer than the policy allows.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  err: unknown,
  random: () => number = Math.random,
): number | undefined {
  const requested = err instanceof LlmCallError ? err.retryAfterMs : undefined;
  if (requested !== undefined) {
    if (requested > policy.maxRetryAfterMs) return undefined;
    return requested + random() * Math.min(requested * 0.1, 1000);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}

/**
 * The server's requested wait from response headers, in ms: `retry-after-ms` (milliseconds, non-standard but sent by
 * OpenAI), else `Retry-After` as delta-seconds or an HTTP date. Undefined when absent or unparseable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const value = Number(ms.trim());
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  const text = ra.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
