import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { runInProcess } from "../helpers/main-in-process.js";

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-cli-"));

describe("iopo CLI (child process)", () => {
  it("--help lists the commands with a purpose, and every trace subcommand has --help", () => {
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    for (const c of ["demo", "trace", "stats"]) expect(help.stdout).toMatch(new RegExp(`\\n\\s+${c}\\b.*\\w`));
    const trace = runCli(["trace", "--help"]);
    for (const c of ["build", "expand", "structure", "filter", "respond", "judge"]) expect(trace.stdout).toContain(c);
    const build = runCli(["trace", "build", "--help"]);
    for (const f of [
      "--base-url",
      "--model",
      "--judge-model",
      "--concurrency",
      "--lang",
      "--seed",
      "--max-budget",
      "--dry-run",
      "--no-cache",
      "--fail-fast",
    ]) {
      expect(build.stdout).toContain(f);
    }
  });

  it("stats --json reproduces the bundled set's Table 1 figures", () => {
    const r = runCli(["stats", "--json"]);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      n: 1042,
      constraints_total: 5087,
      constraints_min: 1,
      constraints_max: 15,
      constraints_avg: 4.88,
    });
    expect(s.by_constraints_num["1"]).toBe(200);
    expect(s.by_dimension.Inclusion).toBe(999);
    expect(r.stderr).toContain("输入格式约束");
  });

  const BAD: [string, string | Buffer, RegExp][] = [
    ["broken JSON line", '{"instruction": "a"}\n{"instruction": "b"\n', /bad\.jsonl:2: not valid JSON/],
    ["missing field", '{"instruction": "a"}\n{"id": 1}\n', /bad\.jsonl:2: field "instruction"/],
    ["wrong type", '{"instruction": 5}\n', /bad\.jsonl:1: field "instruction"/],
    ["empty file", "", /bad\.jsonl: file has no rows/],
    [
      "duplicate id",
      '{"id": "a", "instruction": "x"}\n{"id": "a", "instruction": "y"}\n',
      /bad\.jsonl:2: field "id": duplicate id "a"/,
    ],
    [
      "non-UTF-8 bytes",
      Buffer.concat([
        Buffer.from('{"instruction": "ok"}\n{"instruction": "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}\n'),
      ]),
      /bad\.jsonl:2: invalid UTF-8/,
    ],
  ];
  // In this process (main(), as the binary runs it): the full table over every command is test/cli/malformed-inputs.
  it.each(BAD)(
    "rejects a seed file with a %s: file:line:field error, exit 2, nothing written",
    async (_name, content, message) => {
      const dir = tmp();
      const input = join(dir, "bad.jsonl");
      writeFileSync(input, content);
      const out = join(dir, "run");
      const r = await runInProcess([
        "trace",
        "build",
        "--input",
        input,
        "--output-dir",
        out,
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir)).toEqual(["bad.jsonl"]);
    },
  );

  it("rejects a judge input without a response, and a stats file with a wrong type", () => {
    const dir = tmp();
    const input = join(dir, "rows.jsonl");
    writeFileSync(input, '{"id": "1", "description": "d", "constraints_splits": ["c"]}\n');
    const r = runCli([
      "trace",
      "judge",
      "--input",
      input,
      "--output",
      join(dir, "out.jsonl"),
      "--base-url",
      "http://127.0.0.1:9/v1",
      "--model",
      "m",
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/rows\.jsonl:1: field "response"/);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
    writeFileSync(input, '{"constraints_num": "three"}\n');
    const s = runCli(["stats", input]);
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/rows\.jsonl:1: field "constraints_num"/);
  });

  it("--dry-run renders the first stage's prompts and estimates the chain without any endpoint", () => {
    const dir = tmp();
    const input = join(dir, "seeds.jsonl");
    writeFileSync(input, '{"instruction": "Write a haiku."}\n{"id": "x", "instruction": "写一首诗。"}\n');
    const r = runCli([
      "trace",
      "build",
      "--input",
      input,
      "--output-dir",
      join(dir, "run"),
      "--dry-run",
      "--lang",
      "en",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expand\s+2\s+2/);
    expect(r.stdout).toContain("estimated cost: unknown");
    const priced = runCli([
      "trace",
      "build",
      "--input",
      input,
      "--output-dir",
      join(dir, "run2"),
      "--dry-run",
      "--model",
      "m",
      "--price-input",
      "1",
      "--price-output",
      "2",
    ]);
    expect(priced.status, priced.stderr).toBe(0);
    expect(priced.stdout).toMatch(/estimated cost: ~\$0\.\d{4}/);
    expect(readdirSync(join(dir, "run", "dry_run")).sort()).toEqual(["estimate.json", "expand_0.txt", "expand_x.txt"]);
  });

  it("demo --dry-run renders the construction prompts offline", () => {
    const dir = tmp();
    const r = runCli(["demo", "--dry-run", "--output-dir", dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('experiment "demo"'); // the plan it would run
    expect(r.stdout).toContain("Dry run of the TRACE construction pipeline");
    expect(r.stdout).toMatch(/^expand\s+8\s+8\s+\d+/m); // the eight example seeds' expand prompts, rendered
    expect(r.stdout).toContain("dry run");
    expect(r.stdout).toMatch(/estimated cost: ~\$\d/);
    expect(existsSync(join(dir, "build-en", "dry_run", "expand_seed-01.txt"))).toBe(true);
  });
});
