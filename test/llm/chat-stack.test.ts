import { getEventListeners } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cacheStatsText } from "../../src/llm/cache-report.js";
import {
  type CreateChatModelOptions,
  createChatModel,
  type ManagedChatModel,
} from "../../src/llm/create-chat-model.js";
import { BudgetExceededError, LlmCallError } from "../../src/llm/errors.js";
import { OpenAIChatModel } from "../../src/llm/openai-chat-model.js";
import type { SchedulerEvent } from "../../src/llm/scheduler.js";
import type { ChatRequest } from "../../src/llm/types.js";
import { type FakeOpenAIServer, type FaultKind, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";

const KEY = "sk-test-LEAKCHECK-9f8e7d6c5b4a3210";
const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

let server: FakeOpenAIServer;
let dir: string;
const open: ManagedChatModel[] = [];

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  dir = mkdtempSync(join(tmpdir(), "iopo-llm-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const m of open.splice(0)) m.close();
  // Let requests that a test abandoned (fail-fast, timeouts) finish arriving before counters are reset.
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100 && server.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  server.setOptions({
    fault: undefined,
    faultRate: 0,
    latencyMs: 0,
    reply: undefined,
    retryAfter: undefined,
    retryAfterMs: undefined,
    requireApiKey: undefined,
    unauthorizedMessage: undefined,
  });
  server.resetCounts();
});

let cacheN = 0;
function stack(extra: Partial<CreateChatModelOptions> = {}): ManagedChatModel {
  const m = createChatModel({
    baseUrl: server.baseUrl,
    model: "fake-model",
    apiKey: KEY,
    cachePath: join(dir, `cache-${cacheN++}.sqlite`),
    concurrency: 8,
    timeoutMs: 2000,
    retry: { baseDelayMs: 5, maxDelayMs: 40 },
    ...extra,
  });
  open.push(m);
  return m;
}

describe("full stack against the fake server", () => {
  const kinds: FaultKind[] = ["rate_limit", "server_500", "server_502", "server_503", "hang", "truncate", "reset"];
  for (const kind of kinds) {
    it(`retries ${kind} and returns the right reply`, async () => {
      server.setOptions({ fault: (r) => (r.seen < 2 ? kind : undefined) });
      // Only the hang needs a short timeout; others keep a generous one so a loaded machine cannot add timeouts.
      const llm = stack({ timeoutMs: kind === "hang" ? 600 : 10_000 });
      const r = await llm.chat(req(`question ${kind}`));
      expect(r.text).toBe(`echo: question ${kind}`);
      expect(r.cached).toBe(false);
      expect(server.counts.faults[kind]).toBe(2);
      expect(server.counts.ok).toBe(1);
      const st = llm.stats().scheduler;
      expect(st).toMatchObject({ attempts: 3, retries: 2, succeeded: 1, failed: 0 });
      expect(st.rate_limited).toBe(kind === "rate_limit" ? 2 : 0);
    });
  }

  for (const kind of ["hang", "truncate", "reset", "server_503"] as const) {
    it(`with the built-in fetch transport, retries ${kind} too`, async () => {
      server.setOptions({ fault: (r) => (r.seen < 1 ? kind : undefined) });
      const llm = stack({ transport: "fetch", timeoutMs: kind === "hang" ? 600 : 10_000 });
      expect((await llm.chat(req(`fetch ${kind}`))).text).toBe(`echo: fetch ${kind}`);
      expect(server.counts.faults[kind]).toBe(1);
      expect(llm.stats().scheduler.errors).toEqual({
        [kind === "hang" ? "timeout" : kind === "server_503" ? "server" : "connection"]: 1,
      });
    });
  }

  it("honours Retry-After in seconds (measured)", async () => {
    server.setOptions({ retryAfter: "1", fault: (r) => (r.seen === 0 ? "rate_limit" : undefined) });
    const llm = stack();
    const t0 = performance.now();
    await llm.chat(req("wait for me"));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5000);
    expect(server.counts.total).toBe(2);
  });

  it("honours retry-after-ms over Retry-After (measured)", async () => {
    server.setOptions({
      retryAfter: "30",
      retryAfterMs: "400",
      fault: (r) => (r.seen === 0 ? "rate_limit" : undefined),
    });
    const llm = stack();
    const t0 = performance.now();
    await llm.chat(req("short wait"));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(5000);
  });

  it("fail-fast: the first failure stops the run, nothing is retried", async () => {
    server.setOptions({ latencyMs: 20, fault: (r) => (r.lastUser === "q5" ? "server_500" : undefined) });
    const llm = stack({ failFast: true, concurrency: 2 });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => llm.chat(req(`q${i}`))));
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.length).toBeGreaterThanOrEqual(24);
    expect(server.counts.faults.server_500).toBe(1);
    // Only calls started before q5 failed reached the server.
    expect(server.counts.total).toBeLessThanOrEqual(7);
    expect(llm.stats().scheduler.retries).toBe(0);
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LlmCallError);
  });

  it("never caches errors or empty replies; caches the first success", async () => {
    const llm = stack({ maxRetries: 0 });
    server.setOptions({ fault: () => "server_503" });
    await expect(llm.chat(req("flaky"))).rejects.toMatchObject({ kind: "server", status: 503 });
    server.setOptions({ fault: undefined, reply: () => "" });
    await expect(llm.chat(req("flaky"))).rejects.toMatchObject({ kind: "empty_response" });
    server.setOptions({ reply: undefined });
    const ok = await llm.chat(req("flaky"));
    expect(ok).toMatchObject({ text: "echo: flaky", cached: false });
    const again = await llm.chat(req("flaky"));
    expect(again).toMatchObject({ text: "echo: flaky", cached: true });
    expect(server.counts.total).toBe(3);
    expect(llm.cache!.stats().entries).toBe(1);
    expect(llm.stats().cache).toMatchObject({ hits: 1, stored: 1 });
  });

  it("an empty reply cut by max_tokens is not retried (it would be the same again) and not cached", async () => {
    server.setOptions({ reply: () => ({ text: "", finish_reason: "length" }) });
    const llm = stack();
    await expect(llm.chat(req("think", { max_tokens: 4 }))).rejects.toThrow(/max_tokens was reached before any answer/);
    expect(server.counts.total).toBe(1);
    expect(llm.cache!.stats().entries).toBe(0);
  });

  it("replies cut by max_tokens (finish_reason length) are real answers and are cached", async () => {
    server.setOptions({ reply: () => ({ text: "partial", finish_reason: "length" }) });
    const llm = stack();
    expect(await llm.chat(req("long", { max_tokens: 2 }))).toMatchObject({ finish_reason: "length", cached: false });
    expect(await llm.chat(req("long", { max_tokens: 2 }))).toMatchObject({ finish_reason: "length", cached: true });
    expect(server.counts.total).toBe(1);
  });

  it("merges identical calls in flight into one network call", async () => {
    server.setOptions({ latencyMs: 100 });
    const llm = stack();
    const out = await Promise.all(Array.from({ length: 12 }, () => llm.chat(req("same", { temperature: 0 }))));
    expect(server.counts.total).toBe(1);
    expect(new Set(out.map((r) => r.text))).toEqual(new Set(["echo: same"]));
    expect(out.filter((r) => !r.cached)).toHaveLength(1);
    expect(llm.stats().cache.merged).toBe(11);
    expect(llm.usage.total()).toMatchObject({ live_calls: 1, cached_calls: 11 });
  });

  it("keys on template hash, sample index and every body field", async () => {
    const llm = stack();
    await llm.chat(req("k"), { templateHash: "t1" });
    await llm.chat(req("k"), { templateHash: "t2" });
    await llm.chat(req("k"), { templateHash: "t1", sample: 1 });
    await llm.chat(req("k", { temperature: 0.7 }), { templateHash: "t1" });
    await llm.chat(req("k", { max_tokens: 5 }), { templateHash: "t1" });
    await llm.chat(req("k", { extra_body: { chat_template_kwargs: { enable_thinking: false } } }), {
      templateHash: "t1",
    });
    expect(server.counts.total).toBe(6);
    await llm.chat(req("k"), { templateHash: "t1", stage: "another-stage" }); // stage is not part of the key
    expect(server.counts.total).toBe(6);
  });

  it("a rerun of a finished job makes zero calls and returns the same replies", async () => {
    const cachePath = join(dir, "rerun.sqlite");
    const first = stack({ cachePath });
    const prompts = Array.from({ length: 60 }, (_, i) => `item ${i}`);
    const a = await Promise.all(prompts.map((p) => first.chat(req(p), { stage: "respond", templateHash: "abc" })));
    first.close();
    expect(server.counts.total).toBe(60);
    const second = stack({ cachePath });
    const b = await Promise.all(prompts.map((p) => second.chat(req(p), { stage: "respond", templateHash: "abc" })));
    expect(server.counts.total).toBe(60);
    expect(b.map((r) => r.text)).toEqual(a.map((r) => r.text));
    expect(b.every((r) => r.cached)).toBe(true);
    expect(second.stats().scheduler.attempts).toBe(0);
    expect(second.usage.byStage().respond).toMatchObject({ live_calls: 0, cached_calls: 60, cost_usd: 0 });
  });

  it("never has more requests in flight at the server than the concurrency", async () => {
    server.setOptions({ latencyMs: 15, faultRate: 0.2, faultKinds: ["server_500", "rate_limit"], seed: 3 });
    const llm = stack({ concurrency: 5 });
    const out = await Promise.all(Array.from({ length: 120 }, (_, i) => llm.chat(req(`c${i}`))));
    expect(out.map((r) => r.text)).toEqual(Array.from({ length: 120 }, (_, i) => `echo: c${i}`));
    expect(server.maxInFlight).toBe(5);
    expect(llm.stats().scheduler.max_in_flight).toBe(5);
    expect(server.counts.faults.server_500 + server.counts.faults.rate_limit).toBeGreaterThan(0);
  });

  it("leaves no abort listeners behind on a long-lived signal (no growth over a long run)", async () => {
    // The scheduler hands its run-wide stop signal to every attempt; the SDK never removes the listener it adds to
    // the signal it gets, so the HTTP model must give it a per-attempt signal.
    const http = new OpenAIChatModel({ baseUrl: server.baseUrl, model: "fake-model", apiKey: KEY });
    const ac = new AbortController();
    await Promise.all(Array.from({ length: 100 }, (_, i) => http.chat(req(`l${i}`), { signal: ac.signal })));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });

  it("a configuration error (404: wrong base URL) fails with a hint and stops further calls", async () => {
    const llm = stack({ baseUrl: `http://127.0.0.1:${server.port}/wrong` });
    const err = await llm.chat(req("x")).catch((e) => e);
    expect(err).toMatchObject({ kind: "config", status: 404 });
    expect(err.message).toMatch(/Check --model and --base-url/);
    await expect(llm.chat(req("y"))).rejects.toThrow(/stopped by an earlier failure/);
    expect(llm.stats().scheduler.attempts).toBe(1);
  });

  it("malformed reply text passes through untouched (parsing is the caller's job)", async () => {
    server.setOptions({ fault: () => "malformed", reply: () => "Constraints Overall Score: [[10]]" });
    const llm = stack();
    const r = await llm.chat(req("judge this"));
    expect(r.text).not.toBe("Constraints Overall Score: [[10]]");
    expect(r.text).toContain("<<garbled>>");
    expect(server.counts.faults.malformed).toBe(1);
  });

  it("with 20% injected faults of mixed kinds, 300 calls all complete with the right content", async () => {
    const kinds: FaultKind[] = ["rate_limit", "server_500", "server_502", "server_503", "hang", "truncate", "reset"];
    server.setOptions({ faultRate: 0.2, faultKinds: kinds, seed: 20, latencyMs: 2 });
    const llm = stack({ concurrency: 16, timeoutMs: 1000, maxRetries: 12 });
    const prompts = Array.from({ length: 300 }, (_, i) => `row ${i}: describe item ${i * 7}`);
    const out = await Promise.all(prompts.map((p) => llm.chat(req(p), { stage: "expand" })));
    expect(out.map((r) => r.text)).toEqual(prompts.map((p) => `echo: ${p}`));
    const faults = server.counts.faults;
    for (const k of kinds) expect(faults[k], k).toBeGreaterThan(0);
    const injected = kinds.reduce((n, k) => n + faults[k], 0);
    const st = llm.stats();
    expect(st.scheduler).toMatchObject({ succeeded: 300, failed: 0, calls: 300 });
    // Every injected fault cost one retry (a heavily loaded machine may add a timeout or two of its own).
    expect(st.scheduler.retries).toBeGreaterThanOrEqual(injected);
    expect(st.scheduler.retries).toBeLessThanOrEqual(injected + 10);
    expect(st.scheduler.rate_limited).toBe(faults.rate_limit);
    expect(st.usage).toMatchObject({ live_calls: 300 });
    expect(llm.cache!.stats().entries).toBe(300);
  });
});

describe("budget", () => {
  // 1000 USD per 1M tokens = 0.001 USD per token, so a call of ~20 prompt + 10 completion tokens costs ~0.03 USD.
  const prices = { input: 1000, output: 1000 };

  it("stops before the call that could overspend; actual spend stays under the cap", async () => {
    server.setOptions({ reply: () => "0123456789".repeat(4) }); // 10 completion tokens
    const llm = stack({ maxBudget: 0.5, prices });
    let done = 0;
    let stop: unknown;
    for (let i = 0; i < 100 && !stop; i++) {
      try {
        await llm.chat(req(`budget item ${i} `.padEnd(80, "x"), { max_tokens: 10 }));
        done++;
      } catch (err) {
        stop = err;
      }
    }
    expect(stop).toBeInstanceOf(BudgetExceededError);
    expect(done).toBeGreaterThan(5);
    expect(server.counts.total).toBe(done); // the refused call was never sent
    const spent = llm.usage.total().cost_usd;
    expect(spent).toBeLessThanOrEqual(0.5);
    expect(llm.budget!.spentUsd).toBeCloseTo(spent, 10);
    // The refusal was needed: the refused call's worst case would have crossed the cap.
    const e = stop as BudgetExceededError;
    expect(e.spentUsd + e.callWorstCaseUsd).toBeGreaterThan(0.5);
    expect(e.message).toMatch(/--max-budget/);
    // Once refused, the budget stays exhausted; cached replies are still served.
    await expect(llm.chat(req("fresh", { max_tokens: 1 }))).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(llm.chat(req(`budget item 0 `.padEnd(80, "x"), { max_tokens: 10 }))).resolves.toMatchObject({
      cached: true,
    });
  });

  it("holds under concurrency: in-flight worst cases are reserved", async () => {
    server.setOptions({ latencyMs: 20, reply: () => "y".repeat(40) });
    const llm = stack({ maxBudget: 0.4, prices, concurrency: 16 });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => llm.chat(req(`parallel ${i} `.padEnd(80, "z"), { max_tokens: 10 }))),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(60);
    expect(server.counts.total).toBe(ok);
    expect(llm.usage.total().cost_usd).toBeLessThanOrEqual(0.4);
  });

  it("refuses --max-budget for a model without a price", () => {
    expect(() => stack({ maxBudget: 1 })).toThrow(/needs a price for model "fake-model"/);
  });
});

describe("the API key never leaks", () => {
  it("is sent to the endpoint but absent from errors, events, cache, stats and ids", async () => {
    const events: SchedulerEvent[] = [];
    const cachePath = join(dir, "leak", "cache.sqlite");
    server.setOptions({ requireApiKey: KEY, fault: (r) => (r.seen === 0 ? "server_500" : undefined) });
    const llm = stack({ cachePath, onEvent: (e) => events.push(e) });
    const r = await llm.chat(req("secret-free"), { stage: "s", templateHash: "h" });
    expect(r.text).toBe("echo: secret-free");
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);

    // A server that echoes the key it received in its error message.
    server.setOptions({ requireApiKey: "another-key", unauthorizedMessage: (auth) => `Incorrect API key: ${auth}` });
    const bad = stack({ cachePath: join(dir, "leak", "other.sqlite"), onEvent: (e) => events.push(e) });
    const err = await bad.chat(req("x")).catch((e) => e);
    expect(err).toMatchObject({ kind: "config", status: 401 });
    expect(err.message).toContain("[REDACTED]");

    const texts = [
      err.message,
      String(err.stack),
      JSON.stringify(events),
      JSON.stringify(llm.stats()),
      JSON.stringify(bad.stats()),
      JSON.stringify(llm.usage.byStage()),
      llm.id,
      JSON.stringify(r),
      cacheStatsText(cachePath, true),
      cacheStatsText(cachePath, false),
    ];
    for (const t of texts) expect(t).not.toContain(KEY);
    llm.close();
    bad.close();
    for (const f of readdirSync(join(dir, "leak"))) {
      const bytes = readFileSync(join(dir, "leak", f));
      expect(bytes.includes(Buffer.from(KEY)), f).toBe(false);
      expect(bytes.includes(Buffer.from("LEAKCHECK")), f).toBe(false);
    }
  });

  it("strips credentials from base URLs in ids, and refuses user:password URLs without echoing them", () => {
    const m = stack({ baseUrl: `${server.baseUrl}?api_key=${KEY}&api-version=1` });
    expect(m.id).not.toContain(KEY);
    expect(m.id).toContain("api-version=1");
    let message = "";
    try {
      stack({ baseUrl: `http://user:${KEY}@127.0.0.1:${server.port}/v1` });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/must not contain user:password/);
    expect(message).not.toContain(KEY);
  });
});

describe("dry run", () => {
  it("records requests and never calls the network or the cache", async () => {
    const cachePath = join(dir, "dry.sqlite");
    const llm = stack({ dryRun: true, cachePath, baseUrl: "http://127.0.0.1:9/v1" });
    const r = await llm.chat(req("render me"), { stage: "expand", templateHash: "t" });
    expect(r).toMatchObject({ text: "", dry_run: true, finish_reason: "dry_run" });
    expect(llm.dryRun!.requests).toEqual([{ request: req("render me"), stage: "expand", templateHash: "t" }]);
    expect(server.counts.total).toBe(0);
    expect(llm.usage.byStage().expand).toMatchObject({ calls: 1, dry_run_calls: 1, live_calls: 0 });
    expect(readdirSync(dir)).not.toContain("dry.sqlite");
  });
});
