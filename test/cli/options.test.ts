import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT, floatOption, intOption, UsageError } from "../../src/cli/options.js";
import { bundledDataPath } from "../../src/util/paths.js";
import { runCli } from "../helpers/cli.js";

describe("intOption", () => {
  it("takes plain decimal integers within the range", () => {
    expect(intOption({ min: 0 })("0")).toBe(0);
    expect(intOption({ min: 1 })("42")).toBe(42);
    expect(intOption({ min: 1 })("007")).toBe(7);
    expect(intOption({ min: -5 })("-1")).toBe(-1);
    expect(intOption({ min: 1, max: 3 })("3")).toBe(3);
  });

  it.each([
    ["0", { min: 1 }],
    ["-1", { min: 0 }],
    ["4", { min: 1, max: 3 }],
    ["1.5", { min: 0 }],
    ["abc", { min: 0 }],
    ["1e3", { min: 0 }],
    ["0x10", { min: 0 }],
    [" 2", { min: 0 }],
    ["2 ", { min: 0 }],
    ["", { min: 0 }],
    ["99999999999999999999", { min: 0 }],
  ])("rejects %j with %j as a UsageError", (value, range) => {
    expect(() => intOption(range)(value)).toThrow(UsageError);
  });

  it("says what it expected", () => {
    expect(() => intOption({ min: 1 })("0")).toThrow("expected an integer >= 1");
    expect(() => intOption({ min: 0, max: 9 })("10")).toThrow("expected an integer in [0, 9]");
  });
});

describe("floatOption", () => {
  it("takes decimal numbers within the range", () => {
    expect(floatOption({ min: 0 })("0")).toBe(0);
    expect(floatOption({ min: 0, max: 1 })("0.5")).toBe(0.5);
    expect(floatOption({ min: 0 })(".5")).toBe(0.5);
    expect(floatOption({ min: 0 })("1e-5")).toBe(1e-5);
    expect(floatOption()("-2.5")).toBe(-2.5);
  });

  it.each([
    ["-0.1", { min: 0 }],
    ["1.01", { min: 0, max: 1 }],
    ["abc", {}],
    ["", {}],
    [" 1", {}],
    ["Infinity", {}],
    ["NaN", {}],
    ["0x10", {}],
    ["1,5", {}],
  ])("rejects %j with %j as a UsageError", (value, range) => {
    expect(() => floatOption(range)(value)).toThrow(UsageError);
  });

  it("says what it expected", () => {
    expect(() => floatOption({ min: 0, max: 1 })("2")).toThrow("expected a number in [0, 1]");
    expect(() => floatOption({ min: 0 })("-1")).toThrow("expected a number >= 0");
  });
});

describe("usage errors and exit codes", () => {
  it("UsageError is commander's invalid-argument error with the usage exit code", () => {
    const err = new UsageError("bad");
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.code).toBe("commander.invalidArgument");
    expect(err.exitCode).toBe(EXIT.usage);
    expect(EXIT).toEqual({ ok: 0, failure: 1, usage: 2, locked: 75, interrupted: 130 });
  });

  it("through the real CLI: a bad flag value, an unknown flag and a bad flag combination exit 2 naming the flag", () => {
    const seeds = runCli(["demo", "--seeds", "0"]);
    expect(seeds.status).toBe(EXIT.usage);
    expect(seeds.stderr).toMatch(/option '--seeds <n>' argument '0' is invalid\. expected an integer >= 1/);
    const unknown = runCli(["stats", "--no-such-flag"]);
    expect(unknown.status).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/unknown option '--no-such-flag'/);
    const combo = runCli(["eval", "ifeval", "--endpoint", "http://127.0.0.1:9/v1"]);
    expect(combo.status).toBe(EXIT.usage);
    expect(combo.stderr).toMatch(/^error: iopo eval ifeval: --base-url needs --model NAME/);
  });

  it("through the real CLI: --help exits 0, bad input data 2, a job whose calls all failed 1", () => {
    expect(runCli(["stats", "--help"]).status).toBe(EXIT.ok);
    const missing = runCli(["stats", join(tmpdir(), "no-such-file.jsonl")]);
    expect(missing.status).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/^iopo: .*no-such-file\.jsonl: file not found/);
    const out = join(mkdtempSync(join(tmpdir(), "iopo-exit-")), "out.jsonl");
    const failed = runCli([
      "trace",
      "expand",
      "--input",
      bundledDataPath("seeds", "example_seeds.jsonl"),
      "--output",
      out,
      "--base-url",
      "http://127.0.0.1:9/v1",
      "--model",
      "m",
      "--max-retries",
      "0",
      "--no-cache",
      "--progress",
      "none",
    ]);
    expect(failed.status).toBe(EXIT.failure);
    expect(failed.stdout).toMatch(/call failures 8/);
    expect(failed.stderr).toMatch(/iopo: model m -> http:\/\/127\.0\.0\.1:9\/v1 \(from --base-url\)/);
    expect(failed.stderr).toMatch(/iopo: stage expand kept no row: 8 of its 8 row\(s\) failed their call/);
    expect(failed.stdout).toMatch(/FAILED: stage expand kept no row/);
  });
});
