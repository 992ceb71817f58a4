import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addLlmOptions, chatModelOptionsFromCli } from "../../src/cli/llm-options.js";

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
    const d = chatModelOptionsFromCli(parse(["--model", "m"]));
    expect(d).toMatchObject({
      concurrency: 8,
      maxRetries: 6,
      timeoutMs: 300_000,
      noCache: false,
      cachePath: undefined,
    });
    expect(chatModelOptionsFromCli(parse(["--model", "m", "--no-cache"])).noCache).toBe(true);
    expect(() => parse(["--concurrency", "0"])).toThrow(/integer >= 1/);
    expect(() => parse(["--max-budget", "-2"])).toThrow(/number >= 0/);
    expect(() => chatModelOptionsFromCli(parse([]))).toThrow(/--model is required/);
  });
});
