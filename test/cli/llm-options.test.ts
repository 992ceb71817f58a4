import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addLlmOptions, chatModelOptionsFromCli, resolveEndpoint } from "../../src/cli/llm-options.js";
import { UsageError } from "../../src/cli/options.js";
import { createChatModel } from "../../src/llm/create-chat-model.js";

function parse(args: string[]) {
  const cmd = addLlmOptions(
    new Command("x")
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .option("--judge-model <name>"),
  );
  cmd.parse(["node", "x", ...args]);
  return cmd.opts();
}

describe("shared LLM flags", () => {
  it("map onto factory options", () => {
    const o = parse([
      "--base-url",
      "http://h/v1",
      "--model",
      "m",
      "--concurrency",
      "16",
      "--max-retries",
      "2",
      "--fail-fast",
      "--timeout",
      "1000",
      "--cache",
      "/tmp/c.sqlite",
      "--max-budget",
      "1.5",
      "--price-input",
      "0.5",
      "--price-output",
      "1",
      "--dry-run",
      "--judge-model",
      "j",
    ]);
    expect(chatModelOptionsFromCli(o)).toMatchObject({
      model: "m",
      baseUrl: "http://h/v1",
      concurrency: 16,
      maxRetries: 2,
      failFast: true,
      timeoutMs: 1000,
      cachePath: "/tmp/c.sqlite",
      noCache: false,
      maxBudget: 1.5,
      prices: { input: 0.5, output: 1 },
      dryRun: true,
    });
    expect(chatModelOptionsFromCli(o, o.judgeModel).model).toBe("j");
  });

  it("has defaults, --no-cache, and rejects bad numbers", () => {
    const d = chatModelOptionsFromCli(parse(["--model", "m", "--base-url", "http://h/v1"]));
    expect(d).toMatchObject({
      concurrency: 8,
      maxRetries: 6,
      timeoutMs: 300_000,
      noCache: false,
      cachePath: undefined,
    });
    expect(chatModelOptionsFromCli(parse(["--model", "m", "--base-url", "http://h/v1", "--no-cache"])).noCache).toBe(
      true,
    );
    expect(() => parse(["--concurrency", "0"])).toThrow(/integer >= 1/);
    expect(() => parse(["--max-budget", "-2"])).toThrow(/number >= 0/);
    expect(() => chatModelOptionsFromCli(parse([]))).toThrow(/--model is required/);
  });

  it("require an endpoint outside dry runs: the flag, else $OPENAI_BASE_URL, never a built-in public API", () => {
    const saved = process.env.OPENAI_BASE_URL;
    delete process.env.OPENAI_BASE_URL;
    try {
      expect(() => chatModelOptionsFromCli(parse(["--model", "m"]))).toThrow(UsageError);
      expect(() => chatModelOptionsFromCli(parse(["--model", "m"]))).toThrow(/no endpoint given: pass --base-url/);
      expect(chatModelOptionsFromCli(parse(["--model", "m", "--dry-run"])).baseUrl).toBeUndefined();
      expect(resolveEndpoint("http://a/v1", "--judge-base-url")).toEqual({
        url: "http://a/v1",
        source: "--judge-base-url",
      });
      process.env.OPENAI_BASE_URL = "http://env/v1";
      expect(chatModelOptionsFromCli(parse(["--model", "m"])).baseUrl).toBe("http://env/v1");
      expect(resolveEndpoint(undefined, "--base-url")).toEqual({ url: "http://env/v1", source: "$OPENAI_BASE_URL" });
      // The library has no default either: a model built without an endpoint throws instead of calling one.
      delete process.env.OPENAI_BASE_URL;
      expect(() => createChatModel({ model: "m", noCache: true })).toThrow(/no endpoint given/);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });
});
