import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { Budget, BudgetedChatModel, PromptTokenEstimator } from "../../src/llm/budget.js";
import { BudgetExceededError } from "../../src/llm/errors.js";
import { costUsd, loadPriceFile, resolvePrice } from "../../src/llm/prices.js";
import type { ChatModel, ChatRequest, ChatResponse } from "../../src/llm/types.js";
import { UsageLedger } from "../../src/llm/usage.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resp = (model: string, p: number, c: number, extra: Partial<ChatResponse> = {}): ChatResponse => ({
  text: "t",
  usage: { prompt_tokens: p, completion_tokens: c },
  model,
  ...extra,
});

describe("prices", () => {
  it("resolves options, then the price file, then the built-in table (dated and provider-prefixed names)", () => {
    expect(resolvePrice("gpt-4o-mini")).toMatchObject({ price: { input: 0.15, output: 0.6 }, source: "builtin" });
    expect(resolvePrice("gpt-4o-mini-2024-07-18").price).toEqual({ input: 0.15, output: 0.6 });
    expect(resolvePrice("gpt-4o-2024-08-06").price).toEqual({ input: 2.5, output: 10 });
    expect(resolvePrice("openai/gpt-4.1-nano").price).toEqual({ input: 0.1, output: 0.4 });
    expect(resolvePrice("Qwen2-72B-Instruct")).toEqual({
      price: { input: 0, output: 0 },
      known: false,
      source: "unknown",
    });
    const table = { "Qwen2-72B-Instruct": { input: 0.9, output: 0.9 }, "gpt-4o": { input: 1, output: 2 } };
    expect(resolvePrice("Qwen2-72B-Instruct", { table })).toMatchObject({ price: { input: 0.9 }, source: "file" });
    expect(resolvePrice("gpt-4o", { table }).price).toEqual({ input: 1, output: 2 });
    expect(resolvePrice("gpt-4o", { table, input: 3, output: 4 })).toMatchObject({
      price: { input: 3, output: 4 },
      source: "option",
    });
    expect(() => resolvePrice("x", { input: 3 })).toThrow(/both --price-input and --price-output/);
    expect(() => resolvePrice("x", { input: -1, output: 1 })).toThrow(/non-negative/);
  });

  it("computes cost per 1M tokens", () => {
    expect(costUsd({ prompt_tokens: 1_000_000, completion_tokens: 500_000 }, { input: 2.5, output: 10 })).toBeCloseTo(
      7.5,
    );
    expect(costUsd({ prompt_tokens: 1200, completion_tokens: 300 }, { input: 0.15, output: 0.6 })).toBeCloseTo(
      0.00036,
      10,
    );
  });

  it("reads a price file and names the file and field on errors", () => {
    const good = join(dir, "prices.json");
    writeFileSync(good, JSON.stringify({ "my-model": { input: 1.5, output: 2 } }));
    expect(loadPriceFile(good)).toEqual({ "my-model": { input: 1.5, output: 2 } });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ "my-model": { input: "cheap", output: 2 } }));
    expect(() => loadPriceFile(bad)).toThrow(DataError);
    expect(() => loadPriceFile(bad)).toThrow(/bad\.json: field "my-model\.input"/);
    writeFileSync(bad, "{ not json");
    expect(() => loadPriceFile(bad)).toThrow(/not valid JSON/);
  });
});

describe("UsageLedger", () => {
  it("splits live and cached usage per stage and prices each reply by its model", () => {
    const ledger = new UsageLedger({ table: { judge: { input: 10, output: 20 } } });
    ledger.record("expand", resp("gpt-4o-mini", 1000, 200));
    ledger.record("expand", resp("gpt-4o-mini", 1000, 200, { cached: true }));
    ledger.record("judge", resp("judge", 100, 50));
    ledger.record("judge", resp("local-model", 100, 50));
    ledger.record(undefined, resp("judge", 0, 0, { dry_run: true }));
    const s = ledger.byStage();
    expect(s.expand).toMatchObject({
      calls: 2,
      live_calls: 1,
      cached_calls: 1,
      live: { prompt_tokens: 1000, completion_tokens: 200 },
      cached: { prompt_tokens: 1000, completion_tokens: 200 },
    });
    expect(s.expand!.cost_usd).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
    expect(s.expand!.saved_usd).toBeCloseTo(s.expand!.cost_usd, 12);
    expect(s.judge!.cost_usd).toBeCloseTo((100 * 10 + 50 * 20) / 1e6, 12);
    expect(s.judge!.unpriced_models).toEqual(["local-model"]);
    expect(s[""]).toMatchObject({ calls: 1, dry_run_calls: 1 });
    const t = ledger.total();
    expect(t).toMatchObject({
      calls: 5,
      live_calls: 3,
      cached_calls: 1,
      dry_run_calls: 1,
      unpriced_models: ["local-model"],
    });
    expect(t.cost_usd).toBeCloseTo(s.expand!.cost_usd + s.judge!.cost_usd, 12);
  });
});

describe("Budget", () => {
  it("reserves worst cases, settles actual cost, and stays exhausted after a refusal", () => {
    const b = new Budget(1);
    b.reserve(0.4);
    b.reserve(0.4);
    expect(() => b.reserve(0.3)).toThrow(BudgetExceededError);
    expect(b.exhausted).toBe(true);
    b.settle(0.4, 0.1);
    b.settle(0.4, 0.1);
    expect(b.spentUsd).toBeCloseTo(0.2);
    expect(b.reservedUsd).toBe(0);
    expect(() => b.reserve(0.01)).toThrow(/--max-budget/);
    expect(() => new Budget(-1)).toThrow(/non-negative/);
  });

  it("estimates prompt tokens with the byte bound first, then the observed ratio", () => {
    const e = new PromptTokenEstimator();
    const r: ChatRequest = { messages: [{ role: "user", content: "a".repeat(400) }] };
    expect(e.estimate(r)).toBe(400 + 8 + 16);
    e.observe(r, 100); // 0.25 tokens per byte
    expect(e.estimate(r)).toBe(Math.ceil(400 * 0.25 * 1.25) + 8 + 16);
    const zh: ChatRequest = { messages: [{ role: "user", content: "汉".repeat(100) }] }; // 300 bytes
    e.observe(zh, 150); // 0.5 tokens per byte: the maximum wins
    expect(e.estimate(r)).toBe(Math.ceil(400 * 0.5 * 1.25) + 8 + 16);
  });

  it("refuses a call whose worst case (prompt estimate + max_tokens) would cross the cap, without calling", async () => {
    let calls = 0;
    const inner: ChatModel = {
      id: "x",
      model: "m",
      chat: async () => {
        calls++;
        return resp("m", 10, 10);
      },
    };
    const price = { input: 1_000_000, output: 1_000_000 }; // 1 USD per token
    const budget = new Budget(100);
    const m = new BudgetedChatModel(inner, { budget, price, assumedMaxTokens: 1000 });
    const small: ChatRequest = { messages: [{ role: "user", content: "hi" }], max_tokens: 10 };
    expect(m.worstCaseUsd(small)).toBe(2 + 8 + 16 + 10);
    await m.chat(small); // reserves 36, spends 20
    await m.chat(small); // spent 40
    await m.chat(small); // spent 60
    expect(budget.spentUsd).toBe(60);
    await m.chat(small); // 60 + 36 <= 100: allowed; spent 80
    await expect(m.chat(small)).rejects.toBeInstanceOf(BudgetExceededError); // 80 + 36 > 100
    expect(calls).toBe(4);
    expect(budget.spentUsd).toBe(80);
    // Without max_tokens the assumed completion cap counts: 1000 tokens is over any remaining budget here.
    expect(m.worstCaseUsd({ messages: small.messages })).toBe(2 + 8 + 16 + 1000);
  });
});
