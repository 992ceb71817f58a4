import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { type ReceivedRequest, startScriptedServer } from "./scripted-server.js";

const good = (scores: number[], overall: number) =>
  `Explanation:\n${scores.map((s, i) => `${i + 1}. 评估……得分${s}分。`).join("\n")}\n` +
  `Fine Grained Score: [{${scores.map((s, i) => `"约束${i + 1}": ${s}`).join(", ")}}]\nConstraints Overall Score: [[${overall}]]`;

/**
 * The model under test and the judge behind one local server. Records (real TRACE ids):
 *   7  (1 constraint, quoted words)  -> well-formed all-10 judgement
 *   13 (1, answer in English)        -> first judgement malformed (overall only), the re-ask is well formed
 *   382 (2, JSON output)             -> judge gives 10/10 although the response is not JSON: the rule disagrees
 *   0  (1)                           -> unparsable judge output every time
 *   289 (2)                          -> well formed, one constraint scored 6
 */
const judgedBefore = new Map<string, number>();

function script(req: ReceivedRequest): string {
  const content = req.messages[req.messages.length - 1].content;
  if (req.model === "under-test") {
    if (content.includes('"音乐"和"海洋"')) return "海洋之歌：音乐与海洋的对话";
    if (content.includes("使用英文回答")) return "Hello, this answer is in English.";
    if (content.includes("输出的格式为JSON")) return "这不是JSON";
    return "普通回答";
  }
  if (content.includes("海洋之歌")) return good([10], 10);
  if (content.includes("Hello, this answer is in English.")) {
    // The first judgement of this prompt is malformed (overall only); a re-ask gets a well-formed one.
    const seen = judgedBefore.get(content) ?? 0;
    judgedBefore.set(content, seen + 1);
    return seen > 0 ? good([10], 10) : "Constraints Overall Score: [[10]]";
  }
  if (content.includes("这不是JSON")) return good([10, 10], 10);
  if (content.includes("排序后的列表")) return good([10, 6], 8);
  return "I think the response is fine.";
}

describe("iopo eval trace (CLI against a local scripted server)", () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  afterAll(async () => server?.close());
  const dir = mkdtempSync(join(tmpdir(), "iopo-trace-"));
  const capture = async (argv: string[]) => {
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await main(argv);
    } finally {
      process.stdout.write = write;
    }
    return printed;
  };

  it("generates, judges with re-asks, runs rule checks, reports IF/IF-S/IF-M and the hybrid table; rerun makes no calls", async () => {
    server = await startScriptedServer(script);
    const out = join(dir, "run");
    const argv = ["node", "iopo", "eval", "trace", "--ids", "0,7,13,289,382", "--out", out, "--reask", "1"];
    argv.push("--base-url", server.baseUrl, "--model", "under-test", "--judge-base-url", server.baseUrl);
    argv.push("--judge-model", "judge", "--cache", join(dir, "cache-run.sqlite"));
    judgedBefore.clear();
    const printed = await capture(argv);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.n).toBe(5);
    expect(metrics.IF).toEqual({ n: 5, followed: 3, pct: 60 });
    expect(metrics.IF_overall).toEqual({ n: 5, followed: 3, pct: 60 });
    expect(metrics.IF_hybrid).toEqual({ n: 5, followed: 2, pct: 40 });
    expect(metrics.IF_S.IF).toEqual({ n: 3, followed: 2, pct: 66.67 });
    expect(metrics.IF_M.IF).toEqual({ n: 2, followed: 1, pct: 50 });
    expect(metrics.parse_failures).toEqual({ fine_grained: 1, overall: 1, both: 1 });
    expect(metrics.hybrid.agreement.rule_fail_judge_10).toBe(1);
    expect(metrics.provenance.judge_temperature).toBe(0);
    expect(metrics.provenance.judge_top_p).toBe(0.8);
    expect(metrics.provenance.judge_template_hash.zh).toMatch(/^[0-9a-f]{12}$/);
    expect(metrics.provenance.generation.temperature).toBe(0.1);
    const gens = server.requests.filter((r) => r.model === "under-test");
    expect(gens).toHaveLength(5);
    expect(gens[0].messages[0]).toEqual({ role: "system", content: "You are a helpful assistant." });
    expect(gens.every((g) => g.temperature === 0.1)).toBe(true);
    const judged = server.requests.filter((r) => r.model === "judge");
    expect(judged).toHaveLength(7); // 5 + re-asks for ids 13 and 0
    expect(judged.every((j) => j.temperature === 0 && j.top_p === 0.8)).toBe(true);
    expect(printed).toMatch(/IF-S\s+66\.67 \(2\/3\)/);
    expect(printed).toContain("rule fail: judge 10 1");

    const results = readFileSync(join(out, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const r382 = results.find((r) => r.id === "382");
    expect(r382.followed).toEqual({ all_ten: true, overall: true, hybrid: false });
    expect(r382.rules[0].verdict).toBe("fail");
    expect(r382.rules[0].rules[0].rule.kind).toBe("json");
    const r0 = results.find((r) => r.id === "0");
    expect(r0.judge.raw).toBe("I think the response is fine.");
    expect(r0.judge.raw_rounds).toHaveLength(2);
    expect(r0.judge.parse_error).toBeDefined();

    const disagreements = readFileSync(join(out, "hybrid_disagreements.jsonl"), "utf8").trim().split("\n");
    expect(disagreements.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        id: "382",
        constraint_index: 0,
        judge_score: 10,
        rule_verdict: "fail",
        coverage: "full",
      }),
    ]);
    expect(JSON.parse(disagreements[0]).constraint).toBe("1. 输出的格式为JSON；");

    const calls = server.requests.length;
    await capture([...argv, "--overwrite"]); // the folder holds a finished evaluation now
    expect(server.requests.length).toBe(calls);
  });

  it("without re-asks the malformed judgement counts as not followed in IF but the overall reading disagrees", async () => {
    const out = join(dir, "noreask");
    const argv = ["node", "iopo", "eval", "trace", "--ids", "13", "--out", out];
    argv.push("--base-url", server.baseUrl, "--model", "under-test", "--judge-base-url", server.baseUrl);
    argv.push("--judge-model", "judge", "--cache", join(dir, "cache-noreask.sqlite"));
    judgedBefore.clear();
    await capture(argv);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.IF.followed).toBe(0);
    expect(metrics.IF_overall.followed).toBe(1);
    expect(metrics.readings_disagree).toEqual({ total: 1, all_ten_only: 0, overall_only: 1 });
  });

  it("scores a responses file without generating, and rejects unknown ids", async () => {
    const responses = join(dir, "responses.jsonl");
    writeFileSync(responses, `${JSON.stringify({ id: "7", response: "海洋之歌：音乐与海洋的对话" })}\n`);
    const out = join(dir, "scored");
    const before = server.requests.length;
    await capture([
      ...["node", "iopo", "eval", "trace", "--ids", "7", "--responses", responses, "--out", out],
      ...["--judge-base-url", server.baseUrl, "--judge-model", "judge", "--no-rules"],
      ...["--cache", join(dir, "cache-scored.sqlite")],
    ]);
    expect(server.requests.slice(before).every((r) => r.model === "judge")).toBe(true);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.IF).toEqual({ n: 1, followed: 1, pct: 100 });
    expect(metrics.hybrid.with_rule).toBe(0);

    writeFileSync(responses, `${JSON.stringify({ id: "99999", response: "x" })}\n`);
    const { readTraceResponses } = await import("../../../src/eval/trace/responses.js");
    expect(() => readTraceResponses(responses, new Set(["7"]))).toThrow(/responses\.jsonl:1: field "id": id 99999/);
  });
});

describe("iopo eval trace resume", () => {
  it("after a failed run, the rerun only makes the calls that had not been answered", async () => {
    let broken = true;
    const server = await startScriptedServer((req) => {
      const content = req.messages[req.messages.length - 1].content;
      if (broken && req.model === "judge" && content.includes("Hello, this answer is in English.")) return 400;
      return script(req);
    });
    try {
      const dir = mkdtempSync(join(tmpdir(), "iopo-trace-resume-"));
      const argv = [
        "node",
        "iopo",
        "eval",
        "trace",
        "--ids",
        "7,13,289",
        "--out",
        join(dir, "out"),
        "--concurrency",
        "1",
      ];
      argv.push("--base-url", server.baseUrl, "--model", "under-test", "--judge-base-url", server.baseUrl);
      argv.push("--judge-model", "judge", "--reask", "1", "--cache", join(dir, "cache.sqlite"));
      judgedBefore.clear();
      await expect(main(argv)).rejects.toThrow(/400/);
      const first = server.requests.length;
      expect(first).toBe(3 + 2); // 3 generations; judge 7, then 13 fails (no judging of 289 starts)
      broken = false;
      const write = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        await main(argv);
      } finally {
        process.stdout.write = write;
      }
      const rerun = server.requests.slice(first);
      expect(rerun.map((r) => r.model)).toEqual(["judge", "judge", "judge"]); // 13 (+ its re-ask) and 289
      const metrics = JSON.parse(readFileSync(join(dir, "out", "metrics.json"), "utf8"));
      expect(metrics.IF).toEqual({ n: 3, followed: 2, pct: 66.67 });
    } finally {
      await server.close();
    }
  });
});

describe("TRACE data errors", () => {
  it("names file, line and field when constraints_num disagrees with constraints_splits", async () => {
    const { readTraceData } = await import("../../../src/eval/trace/responses.js");
    const { bundledDataPath } = await import("../../../src/util/paths.js");
    const first = JSON.parse(
      readFileSync(bundledDataPath("trace", "2024_trace_evaluation.jsonl"), "utf8").split("\n")[0],
    );
    const dir = mkdtempSync(join(tmpdir(), "iopo-trace-bad-"));
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, `${JSON.stringify(first)}\n${JSON.stringify({ ...first, id: "x", constraints_num: 3 })}\n`);
    expect(() => readTraceData(file)).toThrow(/bad\.jsonl:2: field "constraints_num": 3 but constraints_splits has 1/);
    writeFileSync(file, `${JSON.stringify({ ...first, messages: "oops" })}\n`);
    expect(() => readTraceData(file)).toThrow(/bad\.jsonl:1: field "messages"/);
  });
});

describe("iopo eval trace --dry-run", () => {
  it("renders every request without calling and writes them beside the outputs", async () => {
    const server = await startScriptedServer(script);
    const dir = mkdtempSync(join(tmpdir(), "iopo-trace-dry-"));
    const write = process.stderr.write;
    let err = "";
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    const out = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await main([
        ...["node", "iopo", "eval", "trace", "--ids", "7,13", "--out", join(dir, "out"), "--dry-run"],
        ...[
          "--base-url",
          server.baseUrl,
          "--model",
          "under-test",
          "--judge-model",
          "judge",
          "--cache",
          join(dir, "c.sqlite"),
        ],
      ]);
    } finally {
      process.stderr.write = write;
      process.stdout.write = out;
      await server.close();
    }
    expect(server.requests).toHaveLength(0);
    const recorded = readFileSync(join(dir, "out", "dry_run_requests.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(recorded.map((l) => JSON.parse(l).role)).toEqual(["generation", "generation", "judge", "judge"]);
    expect(err).toMatch(/dry run: 4 requests rendered/);
  });
});

describe("iopo eval trace against the shared fake server (faults and garbled replies)", () => {
  it("retries transport faults; a garbled judge reply is a counted parse failure with its raw text kept", async () => {
    const { startFakeOpenAIServer } = await import("../../helpers/fake-openai-server.js");
    const server = await startFakeOpenAIServer({
      reply: (req) => script({ model: req.model, messages: req.messages } as ReceivedRequest),
      faultRate: 0.4,
      faultKinds: ["rate_limit", "server_500", "reset"],
      seed: 5,
      fault: (req) => (req.model === "judge" && req.lastUser.includes("海洋之歌") ? "malformed" : undefined),
    });
    const dir = mkdtempSync(join(tmpdir(), "iopo-trace-fake-"));
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      judgedBefore.clear();
      await main([
        ...["node", "iopo", "eval", "trace", "--ids", "7,289,382", "--out", join(dir, "out")],
        ...["--base-url", server.baseUrl, "--model", "under-test", "--judge-model", "judge"],
        ...["--cache", join(dir, "c.sqlite"), "--max-retries", "10"],
      ]);
    } finally {
      process.stdout.write = write;
      await server.close();
    }
    expect(server.counts.faults.malformed).toBeGreaterThan(0);
    const metrics = JSON.parse(readFileSync(join(dir, "out", "metrics.json"), "utf8"));
    // 7: garbled judgement -> not followed; 289: 6/10 -> not followed; 382: 10/10 -> followed.
    expect(metrics.IF).toEqual({ n: 3, followed: 1, pct: 33.33 });
    expect(metrics.parse_failures.fine_grained).toBe(1);
    const r7 = readFileSync(join(dir, "out", "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((r) => r.id === "7");
    expect(r7.judge.raw.length).toBeGreaterThan(0);
    expect(r7.judge.parse_error).toBeDefined();
  });
});
