import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync, spawnCli } from "../helpers/cli.js";
import { type FakeOpenAIServer, type FakeRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { traceResponder } from "../helpers/trace-responder.js";

/**
 * End to end: `iopo trace build` as a child process against a real OpenAI-compatible HTTP server on 127.0.0.1
 * (scripted replies that depend only on the request, injected faults), killed and resumed.
 */

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-e2e-"));
const reply = (req: FakeRequest) => traceResponder({ messages: req.messages as never });

const N = 12;
const SEEDS = Array.from({ length: N }, (_, i) => {
  const marker = i === 3 ? " INCOMPLETE" : i === 5 ? " FAILJUDGE" : i === 7 ? " REDUNDANT" : "";
  return JSON.stringify({ id: `s${i}`, instruction: `Write note number ${i} about topic ${i * 7}.${marker}` });
}).join("\n");
/** expand 12 + structure 12 + completeness 12 + redundancy 11 + respond 10 + judge 10. */
const CALLS = 67;

function outputs(dir: string): Record<string, string> {
  const files = ["trace.jsonl", "rejects.jsonl", ...readdirSync(join(dir, "stages")).map((f) => join("stages", f))];
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

function buildArgs(server: FakeOpenAIServer, seeds: string, out: string, extra: string[] = []) {
  // biome-ignore format: one flag per pair
  return [
    "trace", "build", "--input", seeds, "--output-dir", out, "--base-url", server.baseUrl, "--model", "fake-model",
    "--lang", "en", "--seed", "3", "--progress", "json", ...extra,
  ];
}

const bodyKey = (r: FakeRequest) => JSON.stringify(r.messages);

describe("trace build against a local OpenAI-compatible server", () => {
  let server: FakeOpenAIServer;
  let seeds: string;
  let reference: Record<string, string>;

  beforeAll(async () => {
    server = await startFakeOpenAIServer({ reply });
    const dir = tmp();
    seeds = join(dir, "seeds.jsonl");
    writeFileSync(seeds, `${SEEDS}\n`);
    const r = await runCliAsync(buildArgs(server, seeds, join(dir, "ref"), ["--no-cache"]));
    expect(r.status, r.stderr).toBe(0);
    expect(server.counts.total).toBe(CALLS);
    reference = outputs(join(dir, "ref"));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("keeps the all-10 rows and rejects the scripted ones with stage and reason", () => {
    const kept = reference["trace.jsonl"]
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(kept.map((r) => r.id)).toEqual(["s0", "s1", "s2", "s4", "s6", "s8", "s9", "s10", "s11"]);
    const rejects = reference["rejects.jsonl"]
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.id, r.stage, r.reason])).toEqual([
      ["s3", "filter_complete", "incomplete"],
      ["s7", "filter_redundant", "redundant"],
      ["s5", "judge", "not_all_constraints_met"],
    ]);
    expect(kept[0].provenance.judge.model).toBe("fake-model");
    expect(JSON.stringify(kept)).not.toContain("sk-test-secret");
  });

  it("with 20% injected faults (429, 5xx, truncated bodies, resets) no row is lost and the output is identical", async () => {
    server.resetCounts();
    server.setOptions({
      faultRate: 0.2,
      faultKinds: ["rate_limit", "server_500", "server_503", "truncate", "reset", "hang"],
      seed: 11,
    });
    try {
      const out = join(tmp(), "faulty");
      const r = await runCliAsync(
        buildArgs(server, seeds, out, ["--no-cache", "--concurrency", "4", "--timeout", "1500"]),
        {
          OPENAI_API_KEY: "sk-test-secret",
        },
      );
      expect(r.status, r.stderr).toBe(0);
      const faults = Object.values(server.counts.faults).reduce((a, b) => a + b, 0);
      expect(faults).toBeGreaterThan(5);
      expect(outputs(out)).toEqual(reference);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      expect(summary).toMatchObject({ rows_in: N, rows_out: 9, call_failures: 0, parse_failures: 0 });
      expect(r.stdout + r.stderr + readFileSync(join(out, "summary.json"), "utf8")).not.toContain("sk-test-secret");
    } finally {
      server.setOptions({ faultRate: 0 });
    }
  });

  it("malformed judge output is a counted parse failure with the raw text kept", async () => {
    server.setOptions({
      reply: (req) =>
        req.lastUser.includes("Fine Grained Score") && req.lastUser.includes("number 2 ") ? "garbled {{" : reply(req),
    });
    try {
      const out = join(tmp(), "malformed");
      const r = await runCliAsync(buildArgs(server, seeds, out, ["--no-cache"]));
      expect(r.status, r.stderr).toBe(0);
      const rejects = readFileSync(join(out, "rejects.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(rejects.find((x) => x.id === "s2")).toMatchObject({
        stage: "judge",
        reason: "parse_failure",
        raw_output: "garbled {{",
      });
      expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).parse_failures).toBe(1);
    } finally {
      server.setOptions({ reply });
    }
  });

  it.each([
    [5, "--cache"],
    [25, "--no-cache"],
    [50, "--cache"],
  ])(
    "killed after %i answered calls and rerun (%s): identical output, finished calls not repeated",
    async (killAfter, cacheFlag) => {
      server.resetCounts();
      server.setOptions({ latencyMs: 15 });
      const dir = tmp();
      const out = join(dir, "run");
      const cacheArgs = cacheFlag === "--cache" ? ["--cache", join(dir, "cache.sqlite")] : ["--no-cache"];
      try {
        const child = spawnCli(buildArgs(server, seeds, out, ["--concurrency", "2", ...cacheArgs]));
        const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
        while (server.counts.ok < killAfter) {
          if (child.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        child.kill("SIGKILL");
        await exited;
        const firstRun = server.requests.filter((_, i) => i < server.counts.total).map(bodyKey);
        expect(existsSync(join(out, "trace.jsonl"))).toBe(false);
        const before = server.requests.length;

        const r = await runCliAsync(buildArgs(server, seeds, out, ["--concurrency", "2", ...cacheArgs]));
        expect(r.status, r.stderr).toBe(0);
        expect(outputs(out)).toEqual(reference);
        const secondRun = server.requests.slice(before).map(bodyKey);
        // Only calls that were in flight when the process died (at most the concurrency) may be sent again.
        const repeated = secondRun.filter((k) => firstRun.includes(k));
        expect(repeated.length).toBeLessThanOrEqual(2);
        expect(firstRun.length + secondRun.length).toBeLessThanOrEqual(CALLS + 2);

        // A rerun of the finished job makes no call at all.
        const again = server.requests.length;
        const r2 = await runCliAsync(buildArgs(server, seeds, out, ["--concurrency", "2", ...cacheArgs]));
        expect(r2.status, r2.stderr).toBe(0);
        expect(server.requests.length).toBe(again);
        expect(outputs(out)).toEqual(reference);
      } finally {
        server.setOptions({ latencyMs: 0 });
      }
    },
  );

  it("--max-budget stops before overspending with a clear error; a rerun with more budget finishes the job", async () => {
    const dir = tmp();
    const out = join(dir, "budget");
    // biome-ignore format: flag pairs
    const price = ["--price-input", "1000", "--price-output", "1000", "--no-cache", "--concurrency", "1"];
    const r = await runCliAsync(buildArgs(server, seeds, out, [...price, "--max-budget", "20"]));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/budget/i);
    expect(existsSync(join(out, "trace.jsonl"))).toBe(false);
    const before = server.requests.length;
    const r2 = await runCliAsync(buildArgs(server, seeds, out, [...price, "--max-budget", "100000"]));
    expect(r2.status, r2.stderr).toBe(0);
    expect(outputs(out)).toEqual(reference);
    expect(server.requests.length - before).toBeLessThan(CALLS);
  });

  it("runs single stages alone: respond and judge on released TRACE records, filter on structured rows", async () => {
    const dir = tmp();
    const released = readFileSync(new URL("../../data/trace/2024_trace_evaluation.jsonl", import.meta.url), "utf8")
      .split("\n")
      .slice(0, 3)
      .join("\n");
    const input = join(dir, "records.jsonl");
    writeFileSync(input, `${released}\n`);
    // biome-ignore format: flag pairs
    const common = ["--base-url", server.baseUrl, "--model", "fake-model", "--no-cache", "--progress", "none"];
    const r1 = await runCliAsync([
      "trace",
      "respond",
      "--input",
      input,
      "--output",
      join(dir, "responses.jsonl"),
      ...common,
    ]);
    expect(r1.status, r1.stderr).toBe(0);
    const responses = readFileSync(join(dir, "responses.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(responses.map((r) => r.id)).toEqual(["0", "1", "2"]);
    expect(responses[0].response).toContain("Here is my answer");
    const r2 = await runCliAsync([
      "trace",
      "judge",
      "--input",
      join(dir, "responses.jsonl"),
      "--output",
      join(dir, "judged.jsonl"),
      ...common,
    ]);
    expect(r2.status, r2.stderr).toBe(0);
    const judged = readFileSync(join(dir, "judged.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(judged).toHaveLength(3);
    for (const j of judged) expect(j.judge.scores).toHaveLength(j.constraints_num);
    expect(JSON.parse(readFileSync(join(dir, "judged.summary.json"), "utf8"))).toMatchObject({
      rows_in: 3,
      rows_out: 3,
    });
    const r3 = await runCliAsync([
      "trace",
      "filter",
      "--input",
      input,
      "--output",
      join(dir, "filtered.jsonl"),
      ...common,
    ]);
    expect(r3.status, r3.stderr).toBe(0);
    expect(readFileSync(join(dir, "filtered.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
    expect(existsSync(join(dir, "filtered.rejects.jsonl"))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([
      "filtered.journal",
      "filtered.jsonl",
      "filtered.rejects.jsonl",
      "filtered.summary.json",
      "judged.journal",
      "judged.jsonl",
      "judged.rejects.jsonl",
      "judged.summary.json",
      "records.jsonl",
      "responses.journal",
      "responses.jsonl",
      "responses.rejects.jsonl",
      "responses.summary.json",
    ]);
  });
});
