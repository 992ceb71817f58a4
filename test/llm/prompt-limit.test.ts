import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_PROMPT_TOKENS,
  estimatePromptTokens,
  estimateTextTokens,
  knownContextWindow,
  PromptLimitChatModel,
  PromptTooLongError,
  resolvePromptLimit,
} from "../../src/llm/prompt-limit.js";
import type { ChatModel, ChatRequest } from "../../src/llm/types.js";

describe("prompt token estimate (no tokenizer)", () => {
  it("counts about 4 ASCII characters, 1 CJK character, 2 per emoji, 1 per 2 other characters per token", () => {
    expect(estimateTextTokens("")).toBe(0);
    expect(estimateTextTokens("abcd")).toBe(1);
    expect(estimateTextTokens("Write a short poem about autumn.")).toBe(8); // 32 chars
    expect(estimateTextTokens("写一首诗")).toBe(4);
    expect(estimateTextTokens("😀😀")).toBe(4);
    expect(estimateTextTokens("éèêë")).toBe(2);
    // Per message 4 tokens of template, per request 3.
    const req: ChatRequest = {
      messages: [
        { role: "system", content: "abcd" },
        { role: "user", content: "写一首诗" },
      ],
    };
    expect(estimatePromptTokens(req)).toBe(3 + 4 + 1 + 4 + 4);
  });

  it("is linear in the text: a 1 MB seed is a quarter million tokens", () => {
    expect(estimateTextTokens("x".repeat(1_000_000))).toBe(250_000);
  });
});

describe("the limit", () => {
  it("is the flag, else the published window of a known model, else the default", () => {
    expect(resolvePromptLimit("gpt-4o-mini", 1000)).toEqual({ tokens: 1000, source: "--max-prompt-tokens" });
    expect(resolvePromptLimit("gpt-4o-mini", 0).tokens).toBe(0);
    expect(resolvePromptLimit("gpt-4o-2024-08-06", undefined)).toEqual({
      tokens: 128_000,
      source: "published context window of gpt-4o-2024-08-06",
    });
    expect(resolvePromptLimit("my-local-model", undefined)).toEqual({
      tokens: DEFAULT_MAX_PROMPT_TOKENS,
      source: "default limit; set --max-prompt-tokens",
    });
    expect(knownContextWindow("Qwen/Qwen2-72B-Instruct")).toBe(32_768);
    expect(knownContextWindow("meta-llama/Llama-3.1-8B-Instruct")).toBe(131_072);
    expect(knownContextWindow("gpt-4.1-mini")).toBe(1_047_576);
  });
});

describe("PromptLimitChatModel", () => {
  const sent: ChatRequest[] = [];
  const inner: ChatModel = {
    id: "inner",
    model: "m",
    chat: async (request) => {
      sent.push(request);
      return { text: "ok", usage: { prompt_tokens: 1, completion_tokens: 1 }, model: "m" };
    },
  };

  it("refuses a request over the limit before it reaches the model; 0 turns the guard off", async () => {
    const guard = new PromptLimitChatModel(inner, { tokens: 20, source: "--max-prompt-tokens" });
    await expect(guard.chat({ messages: [{ role: "user", content: "short" }] })).resolves.toMatchObject({ text: "ok" });
    const long = { messages: [{ role: "user" as const, content: "x".repeat(100) }] };
    const err = await guard.chat(long).catch((e) => e);
    expect(err).toBeInstanceOf(PromptTooLongError);
    expect(err).toMatchObject({ kind: "bad_request", retryable: false, fatal: false, estimatedTokens: 32 });
    expect(err.message).toBe(
      "prompt_too_long: about 32 prompt tokens (estimated), over the limit of 20 (--max-prompt-tokens); not sent. " +
        "Raise --max-prompt-tokens to send it anyway.",
    );
    expect(sent).toHaveLength(1);
    const off = new PromptLimitChatModel(inner, { tokens: 0, source: "off" });
    await off.chat(long);
    expect(sent).toHaveLength(2);
  });
});
