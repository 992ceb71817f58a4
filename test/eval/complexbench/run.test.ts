import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { readComplexbenchResponses } from "../../../src/eval/complexbench/record.js";
import { runComplexbench } from "../../../src/eval/complexbench/run.js";
import { type ReceivedRequest, scriptedModel, startScriptedServer } from "../trace/scripted-server.js";
import { records, responses } from "./fixtures.js";

/**
 * Scripted judge: yes/no questions are answered by the "[T]"/"[F]" marker in the question; extraction
 * requests (recognised by 【解释】 at the end) return `all`, so rules run on the whole response.
 */
function judge(content: string): string {
  if (content.endsWith("【解释】"))
    return "【解释】\n评测对象是整个回复。\n\n【模型回复中评分问题的评测对象】\n评分对象：all";
  const question = content.slice(content.lastIndexOf("**问题**\n") + 7);
  if (question.startsWith("[T]")) return "分析：满足。\n答案：是";
  // A malformed but readable No: upstream's fallback sees 否.
  return "分析：不满足。答案: 否";
}

describe("runComplexbench", () => {
  it("routes questions to the LLM judge or extraction + rule and reproduces the hand-computed DRFR", async () => {
    const model = scriptedModel((c) => judge(c), "judge");
    const r = await runComplexbench({
      records,
      responses,
      judge: model,
      temperature: 0,
      parseMode: "upstream-exact",
      language: "zh",
      reask: 0,
      concurrency: 3,
    });
    expect(r.records.map((x) => x.point_judges)).toEqual([
      [true, false, true],
      [false, true, true],
      [true, true],
      [false, true],
      [true, true, 2],
    ]);
    expect(r.metrics.overall_drfr).toBeCloseTo(7 / 13, 15);
    expect(r.summary.llm_questions).toBe(10);
    expect(r.summary.rule_questions).toBe(3);
    expect(r.summary.llm_fallback_answers).toBe(2); // the two "[F]" answers use an ASCII colon
    expect(model.requests.every((q) => q.temperature === 0 && q.messages.length === 1)).toBe(true);
  });

  it("truncates inputs as upstream, sends 'None' for a missing response, and uses English texts in en mode", async () => {
    const model = scriptedModel((c) => judge(c), "judge");
    const long = "长".repeat(5000);
    await runComplexbench({
      records: [{ ...records[0], instruction: "指".repeat(7000) }],
      responses: [long],
      judge: model,
      temperature: 0,
      parseMode: "upstream-exact",
      language: "zh",
      reask: 0,
      concurrency: 1,
    });
    const first = model.requests[0].messages[0].content;
    expect(first).toContain("指".repeat(6000));
    expect(first).not.toContain("指".repeat(6001));
    expect(first).toContain("长".repeat(4000));
    expect(first).not.toContain("长".repeat(4001));

    const en = scriptedModel((c) => judge(c), "judge");
    await runComplexbench({
      records: [records[1]],
      responses: [null],
      judge: en,
      temperature: 0,
      parseMode: "upstream-exact",
      language: "en",
      reask: 0,
      concurrency: 1,
    });
    const prompt = en.requests[0].messages[0].content;
    expect(prompt).toContain("**输入指令**\ninstruction 1\n");
    expect(prompt).toContain("**模型回复**\nNone\n");
    expect(prompt).toContain("**问题**\nQ0");
  });

  it("tolerant parsing reads the ASCII-colon answers without the fallback", async () => {
    const model = scriptedModel((c) => judge(c), "judge");
    const r = await runComplexbench({
      records,
      responses,
      judge: model,
      temperature: 0,
      parseMode: "tolerant",
      language: "zh",
      reask: 0,
      concurrency: 2,
    });
    expect(r.summary.llm_fallback_answers).toBe(0);
    expect(r.metrics.overall_drfr).toBeCloseTo(7 / 13, 15);
  });
});

describe("ComplexBench responses pairing", () => {
  const dir = mkdtempSync(join(tmpdir(), "iopo-cb-pair-"));
  it("pairs by position (upstream) or by main_id", () => {
    const file = join(dir, "gen.jsonl");
    writeFileSync(
      file,
      [1, 0, 2, 3, 4].map((id) => JSON.stringify({ main_id: id, model: "m", generated: `r${id}` })).join("\n"),
    );
    expect(readComplexbenchResponses(file, records, "position")).toEqual(["r1", "r0", "r2", "r3", "r4"]);
    expect(readComplexbenchResponses(file, records, "main_id")).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    writeFileSync(file, JSON.stringify({ main_id: 0, generated: "x" }));
    expect(() => readComplexbenchResponses(file, records, "position")).toThrow(/1 responses for 5 records/);
    expect(() => readComplexbenchResponses(file, records, "main_id")).toThrow(/no response for main_id 1/);
  });
});

describe("iopo eval complexbench (CLI against a local judge server)", () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  afterAll(async () => server?.close());
  it("scores a generations file, writes results + metrics, and a rerun makes no calls", async () => {
    server = await startScriptedServer((req: ReceivedRequest) => judge(req.messages[0].content));
    const dir = mkdtempSync(join(tmpdir(), "iopo-cb-cli-"));
    const data = join(dir, "data_final.json");
    writeFileSync(data, JSON.stringify(records, null, 2));
    const gen = join(dir, "gen.jsonl");
    writeFileSync(gen, responses.map((g, i) => JSON.stringify({ main_id: i, model: "m", generated: g })).join("\n"));
    const out = join(dir, "out");
    const argv = ["node", "iopo", "eval", "complexbench", "--data", data, "--responses", gen, "--out", out];
    argv.push("--judge-base-url", server.baseUrl, "--judge-model", "judge", "--cache", join(dir, "cache.sqlite"));
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await main(argv);
      expect(server.requests.length).toBe(13);
      await main([...argv, "--overwrite"]); // the folder holds a finished evaluation now
    } finally {
      process.stdout.write = write;
    }
    expect(server.requests.length).toBe(13);
    const metrics = JSON.parse(readFileSync(join(out, "complexbench_metrics.json"), "utf8"));
    expect(metrics.overall_drfr).toBeCloseTo(7 / 13, 12);
    expect(metrics.llm.judge.scheduler.calls).toBe(0); // second run: all answers from the response cache
    expect(metrics.llm.judge.usage.cached_calls).toBe(13);
    expect(printed).toContain("DRFR  53.8  (7/13 questions)");
    const results = JSON.parse(readFileSync(join(out, "complexbench_results.json"), "utf8"));
    expect(results[1].point_judges_rely).toEqual([false, false, true]);
  });

  it("rejects bad data with file, element and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-cb-bad-"));
    const data = join(dir, "bad.json");
    const bad = structuredClone(records[1]);
    bad.scoring_questions[1].dep = [7];
    writeFileSync(data, JSON.stringify([bad]));
    const { readComplexbenchData } = await import("../../../src/eval/complexbench/record.js");
    expect(() => readComplexbenchData(data)).toThrow(/bad\.json:1: field "scoring_questions\.1\.dep"/);
  });
});

describe("iopo eval complexbench generation", () => {
  it("generates responses (greedy, instruction as one user turn) and writes them in the upstream format", async () => {
    const server = await startScriptedServer((req: ReceivedRequest) =>
      req.model === "under-test"
        ? responses[Number(req.messages[0].content.replace("指令", ""))]
        : judge(req.messages[0].content),
    );
    try {
      const dir = mkdtempSync(join(tmpdir(), "iopo-cb-gen-"));
      const data = join(dir, "data_final.json");
      writeFileSync(data, JSON.stringify(records));
      const out = join(dir, "out");
      const write = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        await main([
          ...["node", "iopo", "eval", "complexbench", "--data", data, "--out", out, "--base-url", server.baseUrl],
          ...["--model", "under-test", "--judge-model", "judge", "--cache", join(dir, "c.sqlite")],
        ]);
      } finally {
        process.stdout.write = write;
      }
      const gens = server.requests.filter((r) => r.model === "under-test");
      expect(gens).toHaveLength(5);
      expect(gens.every((g) => g.temperature === 0 && g.messages.length === 1 && g.messages[0].role === "user")).toBe(
        true,
      );
      const written = readFileSync(join(out, "generations.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(written[2]).toEqual({ main_id: 2, model: "under-test", instruction: "指令2", generated: responses[2] });
      const metrics = JSON.parse(readFileSync(join(out, "complexbench_metrics.json"), "utf8"));
      expect(metrics.overall_drfr).toBeCloseTo(7 / 13, 12);
    } finally {
      await server.close();
    }
  });
});
