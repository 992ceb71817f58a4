import { describe, expect, it } from "vitest";
import { LlmCallError } from "../../src/llm/errors.js";
import { DEFAULT_RETRY_POLICY, isRetryable, parseRetryAfter, retryDelayMs } from "../../src/llm/retry-policy.js";

const headers = (h: Record<string, string>) => new Headers(h);

describe("parseRetryAfter", () => {
  it("reads delta-seconds, including fractions", () => {
    expect(parseRetryAfter(headers({ "retry-after": "3" }))).toBe(3000);
    expect(parseRetryAfter(headers({ "retry-after": "0.5" }))).toBe(500);
    expect(parseRetryAfter(headers({ "retry-after": "0" }))).toBe(0);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
  });

  it("prefers retry-after-ms over Retry-After", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
  });

  it("ignores absent or garbage values", () => {
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after-ms": "x", "retry-after": "2" }))).toBe(2000);
  });
});

describe("retryDelayMs", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  const transient = new LlmCallError("x", { kind: "server", status: 503 });

  it("draws uniformly below an exponentially growing ceiling (full jitter), capped at maxDelay", () => {
    const top = () => 0.999999;
    expect(retryDelayMs(policy, 1, transient, top)).toBeCloseTo(100, 0);
    expect(retryDelayMs(policy, 2, transient, top)).toBeCloseTo(200, 0);
    expect(retryDelayMs(policy, 4, transient, top)).toBeCloseTo(800, 0);
    expect(retryDelayMs(policy, 5, transient, top)).toBeCloseTo(1000, 0);
    expect(retryDelayMs(policy, 30, transient, top)).toBeCloseTo(1000, 0);
    expect(retryDelayMs(policy, 3, transient, () => 0)).toBe(0);
    expect(retryDelayMs(policy, 3, transient, () => 0.5)).toBe(200);
  });

  it("waits at least the server-requested time, with at most 10% (max 1 s) extra jitter", () => {
    const limited = new LlmCallError("x", { kind: "rate_limit", status: 429, retryAfterMs: 2000 });
    expect(retryDelayMs(policy, 1, limited, () => 0)).toBe(2000);
    expect(retryDelayMs(policy, 1, limited, () => 0.999999)).toBeCloseTo(2200, 0);
    const long = new LlmCallError("x", { kind: "rate_limit", status: 429, retryAfterMs: 60_000 });
    expect(retryDelayMs(policy, 1, long, () => 0.999999)).toBeCloseTo(61_000, 0);
  });

  it("gives up (undefined) when the server asks for more than maxRetryAfterMs", () => {
    const tooLong = new LlmCallError("x", { kind: "rate_limit", retryAfterMs: policy.maxRetryAfterMs + 1 });
    expect(retryDelayMs(policy, 1, tooLong)).toBeUndefined();
  });
});

describe("isRetryable", () => {
  it("retries transient kinds only", () => {
    for (const kind of [
      "rate_limit",
      "server",
      "timeout",
      "connection",
      "invalid_response",
      "empty_response",
    ] as const) {
      expect(isRetryable(new LlmCallError("x", { kind }))).toBe(true);
    }
    for (const kind of ["bad_request", "config", "aborted", "unknown"] as const) {
      expect(isRetryable(new LlmCallError("x", { kind }))).toBe(false);
    }
    expect(isRetryable(new Error("plain"))).toBe(false);
    expect(isRetryable(new LlmCallError("x", { kind: "server", retryable: false }))).toBe(false);
  });
});
