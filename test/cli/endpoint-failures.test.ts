import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/options.js";
import { spawnCli } from "../helpers/cli.js";
import { type FakeRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { runInProcess } from "../helpers/main-in-process.js";
import { traceResponder } from "../helpers/trace-responder.js";

/**
 * Commands that call an endpoint (trace, pairs, eval), black-box through the CLI against real HTTP servers on
 * 127.0.0.1: no endpoint named, a server that refuses the key, a call that keeps failing, a server stopped mid-run,
 * and a prompt too long to send. Exit codes: 2 for a command line that cannot run, 1 for a run that failed.
 */

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-endpoint-"));
const reply = (req: FakeRequest) => traceResponder({ messages: req.messages as never });
const NO_ENV = { OPENAI_BASE_URL: undefined, OPENAI_API_KEY: undefined };

function seedsFile(dir: string, instructions: string[]): string {
  const file = join(dir, "seeds.jsonl");
  writeFileSync(file, instructions.map((t, i) => JSON.stringify({ id: `s${i}`, instruction: t })).join("\n"));
  return file;
}

const SEEDS = Array.from({ length: 6 }, (_, i) => `Write note number ${i} about topic ${i * 7}.`);
const readJsonl = (f: string) =>
  readFileSync(f, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("an endpoint must be named", () => {
  it("trace build, pairs and eval with neither --base-url nor $OPENAI_BASE_URL exit 2 before anything is sent", async () => {
    const dir = tmp();
    const seeds = seedsFile(dir, SEEDS);
    const trace = await runInProcess(
      ["trace", "build", "--input", seeds, "--output-dir", join(dir, "run"), "--model", "m", "--no-cache"],
      NO_ENV,
    );
    expect(trace.code).toBe(EXIT.usage);
    expect(trace.stderr).toMatch(/no endpoint given: pass --base-url URL .* or set OPENAI_BASE_URL/);
    expect(existsSync(join(dir, "run"))).toBe(false);
    const records = join(dir, "records.jsonl");
    writeFileSync(records, `${JSON.stringify({ description: "d", constraints_splits: ["c"], response: "r" })}\n`);
    const pairs = await runInProcess(
      ["pairs", "dpo", "--input", records, "--output-dir", join(dir, "pairs"), "--model", "m", "--no-cache"],
      NO_ENV,
    );
    expect(pairs.code).toBe(EXIT.usage);
    expect(pairs.stderr).toMatch(/no endpoint given/);
    const evalTrace = await runInProcess(
      ["eval", "trace", "--ids", "7", "--out", join(dir, "eval"), "--model", "m", "--judge-model", "j", "--no-cache"],
      NO_ENV,
    );
    expect(evalTrace.code).toBe(EXIT.usage);
    expect(evalTrace.stderr).toMatch(/no endpoint given/);
  });

  it("says at the start which endpoint is used (flag or $OPENAI_BASE_URL), never the key", async () => {
    const server = await startFakeOpenAIServer({ reply });
    try {
      const dir = tmp();
      const seeds = seedsFile(dir, SEEDS.slice(0, 1));
      const key = "sk-secret-key-123456";
      const args = ["trace", "expand", "--input", seeds, "--output", join(dir, "a.jsonl"), "--model", "m"];
      const flag = await runInProcess([...args, "--base-url", server.baseUrl, "--no-cache", "--progress", "none"], {
        ...NO_ENV,
        OPENAI_API_KEY: key,
      });
      expect(flag.code, flag.stderr).toBe(0);
      expect(flag.stderr).toContain(
        `iopo: model m -> ${server.baseUrl} (from --base-url); prompts over 32768 tokens are not sent (default limit`,
      );
      const env = await runInProcess([...args, "--no-cache", "--progress", "none"], {
        OPENAI_BASE_URL: server.baseUrl,
        OPENAI_API_KEY: key,
      });
      expect(env.code, env.stderr).toBe(0);
      expect(env.stderr).toContain(`iopo: model m -> ${server.baseUrl} (from $OPENAI_BASE_URL)`);
      for (const r of [flag, env]) expect(r.stdout + r.stderr).not.toContain(key);
    } finally {
      await server.close();
    }
  });
});

describe("authentication errors", () => {
  it("a 401 stops the run at once with a clear message: not retried, exit 1, the summary says failed", async () => {
    const server = await startFakeOpenAIServer({ reply, requireApiKey: "sk-right-key-0000" });
    try {
      const dir = tmp();
      const seeds = seedsFile(dir, SEEDS);
      const out = join(dir, "run");
      const r = await runInProcess(
        ["trace", "build", "--input", seeds, "--output-dir", out, "--base-url", server.baseUrl, "--model", "m"].concat([
          "--concurrency",
          "2",
          "--max-retries",
          "6",
          "--no-cache",
          "--progress",
          "none",
        ]),
        { OPENAI_API_KEY: "sk-wrong-key-1111" },
      );
      expect(r.code).toBe(EXIT.failure);
      expect(r.stderr).toMatch(/authentication failed \(HTTP 401\).*the run stops at once \(no retries\)/);
      expect(r.stderr).not.toContain("sk-wrong-key-1111");
      // At most the requests already in flight when the first 401 came back; none of them retried.
      expect(server.counts.unauthorized).toBeGreaterThanOrEqual(1);
      expect(server.counts.unauthorized).toBeLessThanOrEqual(2);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      expect(summary.status).toBe("failed");
      expect(summary.failure).toMatch(/^stage expand stopped: .*HTTP 401/);
    } finally {
      await server.close();
    }
  });
});

describe("failed calls make the exit code non-zero", () => {
  it("one call failing for good: the other rows are written, exit 1 by default, 0 within --max-call-failures", async () => {
    const server = await startFakeOpenAIServer({
      reply,
      // Every attempt of the expansion of seed 2 gets a 500.
      fault: (req) => (req.lastUser.includes("note number 2 ") ? "server_500" : undefined),
    });
    try {
      const dir = tmp();
      const seeds = seedsFile(dir, SEEDS);
      const out = join(dir, "run");
      const args = ["trace", "build", "--input", seeds, "--output-dir", out, "--base-url", server.baseUrl].concat([
        "--model",
        "m",
        "--max-retries",
        "1",
        "--no-cache",
        "--progress",
        "none",
        "--lang",
        "en",
      ]);
      const first = await runInProcess(args);
      expect(first.code).toBe(EXIT.failure);
      expect(first.stderr).toMatch(/iopo: 1 call\(s\) failed, more than --max-call-failures 0/);
      expect(first.stdout).toMatch(/FAILED: 1 call\(s\) failed/);
      // Everything that succeeded is written.
      expect(readJsonl(join(out, "trace.jsonl")).map((r) => r.id)).toEqual(["s0", "s1", "s3", "s4", "s5"]);
      const rejects = readJsonl(join(out, "rejects.jsonl"));
      expect(rejects).toMatchObject([{ id: "s2", stage: "expand", reason: "call_failed" }]);
      expect(rejects[0].detail).toMatch(/HTTP 500.*gave up after 2 attempts/);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      expect(summary).toMatchObject({ status: "failed", call_failures: 1, rows_out: 5 });
      // Allowing one failure: the rerun resumes from the journal (only the failed call is sent again) and exits 0.
      const before = server.counts.total;
      const second = await runInProcess([...args, "--max-call-failures", "1"]);
      expect(second.code, second.stderr).toBe(0);
      expect(server.counts.total - before).toBe(2);
      expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject({ status: "ok" });
    } finally {
      await server.close();
    }
  });

  it("a server stopped mid-run (real process): what finished is kept, the empty stage fails the run, exit 1", async () => {
    let ok = 0;
    const server = await startFakeOpenAIServer({
      reply: (req) => {
        ok++;
        return reply(req);
      },
      latencyMs: 30,
    });
    const dir = tmp();
    const seeds = seedsFile(dir, SEEDS);
    const out = join(dir, "run");
    const child = spawnCli(
      ["trace", "build", "--input", seeds, "--output-dir", out, "--base-url", server.baseUrl, "--model", "m"].concat([
        "--concurrency",
        "1",
        "--max-retries",
        "0",
        "--no-cache",
        "--progress",
        "none",
        "--lang",
        "en",
      ]),
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    // Stop the server for good after the third answer: expand has 3 of its 6 rows, the rest of the run has nothing.
    const stopped = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (ok >= 3) {
          clearInterval(timer);
          void server.close().then(resolve);
        }
      }, 5);
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    await stopped;
    expect(status, stderr).toBe(EXIT.failure);
    expect(stderr).toMatch(/iopo: stage \w+ kept no row: \d+ of its \d+ row\(s\) failed their call/);
    expect(stdout).toMatch(/FAILED: stage \w+ kept no row/);
    const expanded = readJsonl(join(out, "stages", "01_expand.jsonl"));
    expect(expanded.length).toBeGreaterThanOrEqual(3);
    expect(expanded.length).toBeLessThan(6);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.status).toBe("failed");
    expect(summary.rows_out).toBe(0);
    expect(summary.call_failures).toBeGreaterThan(0);
    expect(readJsonl(join(out, "rejects.jsonl")).every((r) => r.reason === "call_failed")).toBe(true);
    // The finished calls are journaled for a rerun.
    expect(readdirSync(join(out, "journal")).some((f) => f.startsWith("expand."))).toBe(true);
  });
});

describe("size guard before spending (--max-prompt-tokens)", () => {
  it("refuses a call whose prompt is too long: the row is rejected as prompt_too_long, nothing is sent for it", async () => {
    const server = await startFakeOpenAIServer({ reply });
    try {
      const dir = tmp();
      const huge = `Summarize this text. ${"lorem ipsum dolor sit amet ".repeat(20_000)}`; // ~540 KB, ~135k tokens
      const seeds = seedsFile(dir, [SEEDS[0], huge, SEEDS[1]]);
      const out = join(dir, "expanded.jsonl");
      const args = ["trace", "expand", "--input", seeds, "--output", out, "--base-url", server.baseUrl].concat([
        "--model",
        "m",
        "--no-cache",
        "--progress",
        "none",
        "--lang",
        "en",
      ]);
      const r = await runInProcess(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/prompt too long 1/);
      expect(server.counts.total).toBe(2);
      expect(server.requests.every((q) => !q.lastUser.includes("lorem ipsum dolor sit amet lorem"))).toBe(true);
      const rejects = readJsonl(out.replace(/\.jsonl$/, ".rejects.jsonl"));
      expect(rejects).toMatchObject([{ id: "s1", reason: "prompt_too_long" }]);
      expect(rejects[0].detail).toMatch(
        /about \d+ prompt tokens \(estimated\), over the limit of 32768 \(default limit/,
      );
      const summary = JSON.parse(readFileSync(out.replace(/\.jsonl$/, ".summary.json"), "utf8"));
      expect(summary).toMatchObject({ prompt_too_long: 1, call_failures: 0, rows_out: 2, status: "ok" });
      expect(summary.stages[0].reasons).toEqual({ prompt_too_long: 1 });
      // An explicit limit applies to every row; 0 turns the guard off.
      const tight = await runInProcess([
        ...args.map((a) => (a === out ? join(dir, "t.jsonl") : a)),
        "--max-prompt-tokens",
        "50",
      ]);
      expect(tight.stdout).toMatch(/prompt too long 3/);
      expect(server.counts.total).toBe(2);
    } finally {
      await server.close();
    }
  });
});
