import { describe, expect, it } from "vitest";
import { LlmCallError, type LlmErrorKind } from "../../src/llm/errors.js";
import { ScheduledChatModel } from "../../src/llm/scheduler.js";
import { Semaphore } from "../../src/llm/semaphore.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../src/llm/types.js";

/** An in-memory model whose attempts follow a script: each entry is an error kind to throw, or "ok". */
class ScriptedModel implements ChatModel {
  readonly id = "scripted";
  readonly model = "m";
  attempts = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly script: (call: string, attempt: number) => LlmErrorKind | "ok",
    private readonly delayMs: number | ((call: string) => number) = 0,
    private readonly retryAfterMs?: number,
  ) {}
  private perCall = new Map<string, number>();
  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const call = request.messages[0]!.content;
    const n = (this.perCall.get(call) ?? 0) + 1;
    this.perCall.set(call, n);
    this.attempts++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const delay = typeof this.delayMs === "function" ? this.delayMs(call) : this.delayMs;
      if (delay > 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, delay);
          options.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            reject(new LlmCallError("cancelled", { kind: "aborted" }));
          });
        });
      }
      const outcome = this.script(call, n);
      if (outcome !== "ok") {
        throw new LlmCallError(`scripted ${outcome}`, { kind: outcome, retryAfterMs: this.retryAfterMs });
      }
      return { text: `reply ${call}`, usage: { prompt_tokens: 1, completion_tokens: 1 }, model: "m" };
    } finally {
      this.inFlight--;
    }
  }
}

const req = (content: string): ChatRequest => ({ messages: [{ role: "user", content }] });

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe("ScheduledChatModel", () => {
  it("retries transient failures with growing jittered backoff, then succeeds", async () => {
    const inner = new ScriptedModel((_c, n) =>
      n === 1 ? "server" : n === 2 ? "timeout" : n === 3 ? "connection" : "ok",
    );
    const { delays, sleep } = recordingSleep();
    const s = new ScheduledChatModel(inner, {
      concurrency: 2,
      retry: { baseDelayMs: 100, maxDelayMs: 10_000 },
      sleep,
      random: () => 0.5,
    });
    const r = await s.chat(req("a"));
    expect(r.text).toBe("reply a");
    expect(inner.attempts).toBe(4);
    expect(delays).toEqual([50, 100, 200]);
    const st = s.stats();
    expect(st).toMatchObject({ calls: 1, succeeded: 1, failed: 0, attempts: 4, retries: 3 });
    expect(st.errors).toEqual({ server: 1, timeout: 1, connection: 1 });
  });

  it("honours a server-requested wait and counts 429s", async () => {
    const inner = new ScriptedModel((_c, n) => (n <= 2 ? "rate_limit" : "ok"), 0, 1500);
    const { delays, sleep } = recordingSleep();
    const s = new ScheduledChatModel(inner, { concurrency: 1, sleep, random: () => 0 });
    await s.chat(req("a"));
    expect(delays).toEqual([1500, 1500]);
    expect(s.stats().rate_limited).toBe(2);
  });

  it("stops after maxAttempts and reports the attempts in the error", async () => {
    const inner = new ScriptedModel(() => "server");
    const { delays, sleep } = recordingSleep();
    const s = new ScheduledChatModel(inner, { concurrency: 1, retry: { maxAttempts: 3 }, sleep });
    const err = await s.chat(req("a")).catch((e) => e);
    expect(err).toBeInstanceOf(LlmCallError);
    expect(err.attempts).toBe(3);
    expect(err.message).toMatch(/gave up after 3 attempts/);
    expect(inner.attempts).toBe(3);
    expect(delays).toHaveLength(2);
    expect(s.stats()).toMatchObject({ failed: 1, retries: 2 });
  });

  it("fails non-retryable requests at once without retrying", async () => {
    const inner = new ScriptedModel((c) => (c === "bad" ? "bad_request" : "ok"));
    const { delays, sleep } = recordingSleep();
    const s = new ScheduledChatModel(inner, { concurrency: 1, sleep });
    await expect(s.chat(req("bad"))).rejects.toMatchObject({ kind: "bad_request" });
    expect(inner.attempts).toBe(1);
    expect(delays).toEqual([]);
    // A bad request does not poison other calls.
    await expect(s.chat(req("good"))).resolves.toMatchObject({ text: "reply good" });
  });

  it("stops every call after a configuration error (401/403/404) without contacting the server again", async () => {
    const inner = new ScriptedModel(() => "config");
    const s = new ScheduledChatModel(inner, { concurrency: 4 });
    await expect(s.chat(req("a"))).rejects.toMatchObject({ kind: "config" });
    const err = await s.chat(req("b")).catch((e) => e);
    expect(err.message).toMatch(/not sent: stopped by an earlier failure/);
    expect(inner.attempts).toBe(1);
    expect(s.stoppedBy?.kind).toBe("config");
  });

  it("a dead endpoint: after N calls in a row fail for good, the rest are not sent; a success resets the count", async () => {
    const inner = new ScriptedModel((c) => (c.startsWith("up") ? "ok" : "connection"));
    const s = new ScheduledChatModel(inner, {
      concurrency: 1,
      retry: { maxAttempts: 2 },
      sleep: async () => {},
      stopAfterConsecutiveFailures: 3,
    });
    for (const c of ["down1", "down2", "up", "down3", "down4"]) await s.chat(req(c)).catch(() => undefined);
    expect(s.stoppedBy).toBeUndefined();
    const third = await s.chat(req("down5")).catch((e) => e);
    expect(third.message).toMatch(/^scripted connection \(gave up after 2 attempts\)$/);
    expect(s.stoppedBy?.message).toMatch(/^3 calls in a row failed after their retries, none succeeded in between/);
    const before = inner.attempts;
    const next = await s.chat(req("up-again")).catch((e) => e);
    expect(next.message).toMatch(
      /not sent: stopped by an earlier failure \(the endpoint looks down\): 3 calls in a row/,
    );
    expect(inner.attempts).toBe(before);
    // A bad request is about the request, not the endpoint: it does not count.
    const bad = new ScheduledChatModel(new ScriptedModel(() => "bad_request"), {
      concurrency: 1,
      stopAfterConsecutiveFailures: 2,
    });
    for (let i = 0; i < 4; i++) await bad.chat(req(`b${i}`)).catch(() => undefined);
    expect(bad.stoppedBy).toBeUndefined();
  });

  it("fail-fast: no retries, and the first failure cancels calls in flight and queued", async () => {
    const inner = new ScriptedModel(
      (c) => (c === "x3" ? "server" : "ok"),
      (c) => (c === "x3" ? 10 : 200),
    );
    const s = new ScheduledChatModel(inner, { concurrency: 4, failFast: true });
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => s.chat(req(`x${i}`))));
    // x0..x3 start together; x3 fails at ~10 ms, which cancels x0..x2 (in flight) and x4..x11 (queued).
    expect(Date.now() - started).toBeLessThan(150);
    expect(inner.attempts).toBe(4);
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    const messages = results.map((r) => (r as PromiseRejectedResult).reason.message as string);
    expect(messages[3]).toMatch(/^scripted server$/);
    for (const [i, m] of messages.entries())
      if (i !== 3) expect(m).toMatch(/stopped by an earlier failure \(fail-fast\): scripted server/);
    expect(s.stats()).toMatchObject({ retries: 0, failed: 1 });
  });

  it("never runs more attempts at once than the concurrency", async () => {
    const inner = new ScriptedModel((_c, n) => (n === 1 ? "server" : "ok"), 5);
    const s = new ScheduledChatModel(inner, { concurrency: 3, sleep: async () => {} });
    const out = await Promise.all(Array.from({ length: 40 }, (_, i) => s.chat(req(`c${i}`))));
    expect(out.map((r) => r.text)).toEqual(Array.from({ length: 40 }, (_, i) => `reply c${i}`));
    expect(inner.maxInFlight).toBe(3);
    expect(s.stats().max_in_flight).toBe(3);
    expect(s.stats()).toMatchObject({ in_flight: 0, queued: 0, attempts: 80, retries: 40 });
  });

  it("a caller's abort cancels only its own call", async () => {
    const inner = new ScriptedModel(() => "ok", 50);
    const s = new ScheduledChatModel(inner, { concurrency: 1 });
    const ac = new AbortController();
    const first = s.chat(req("a"));
    const second = s.chat(req("b"), { signal: ac.signal }); // queued behind "a"
    ac.abort();
    await expect(second).rejects.toMatchObject({ kind: "aborted" });
    await expect(first).resolves.toMatchObject({ text: "reply a" });
    expect(inner.attempts).toBe(1);
  });
});

describe("Semaphore", () => {
  it("grants in FIFO order and rejects aborted waiters", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const order: number[] = [];
    const ac = new AbortController();
    const a = sem.acquire().then(() => order.push(1));
    const b = sem.acquire(ac.signal).then(
      () => order.push(2),
      () => order.push(-2),
    );
    const c = sem.acquire().then(() => order.push(3));
    ac.abort();
    await b;
    sem.release();
    await a;
    sem.release();
    await c;
    expect(order).toEqual([-2, 1, 3]);
    expect(() => new Semaphore(0)).toThrow(/concurrency/);
  });
});
