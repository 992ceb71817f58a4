import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { runCfbench } from "../../../src/eval/cfbench/run.js";
import { scriptedModel, startScriptedServer } from "../trace/scripted-server.js";
import { criteriaOf, records } from "./fixtures.js";

/** Judge behaviour per item idx (detected through the response text) and round. */
function judgeScript(content: string, callIndexForItem: Map<string, number>): string {
  const response = content.slice(content.lastIndexOf("[模型答案]: ") + 8, content.lastIndexOf("\n\n[评估标准]"));
  const crit = criteriaOf(content);
  const round = callIndexForItem.get(response) ?? 0;
  callIndexForItem.set(response, round + 1);
  if (response.startsWith("秋")) return crit.map((c, i) => `${c}\t${i === 2 ? 0 : 1}`).join("\n\n");
  if (response.startsWith("长城")) {
    // round 0: malformed (lines separated by a single newline); round 1: well formed, one secondary miss
    if (round === 0) return crit.map((c) => `${c}\t1`).join("\n");
    return crit.map((c, i) => `${c}\t${i === 2 ? 0 : 1}`).join("\n\n");
  }
  // Always paraphrased echoes: strict parsing never succeeds; the fallback keeps only the 1s.
  return `“翻译正确”\t1\n\n只输出译文。\t0`;
}

describe("runCfbench", () => {
  it("upstream-exact: strict parse, re-ask, then the upstream fallback with its only-1s quirk", async () => {
    const seen = new Map<string, number>();
    const judge = scriptedModel((c) => judgeScript(c, seen), "judge");
    const responses = new Map([
      [0, "秋风扫落叶"],
      [1, "长城是中国古代的军事防御工程。"],
      [2, "Hello"],
    ]);
    const r = await runCfbench({
      records,
      responses,
      judge: { model: judge, temperature: 0.01 },
      parseMode: "upstream-exact",
      rounds: 3,
      concurrency: 2,
    });
    const byIdx = new Map(r.items.map((i) => [i.idx, i]));
    expect(byIdx.get(0)!.judge_parsing).toBe("1");
    // primaries met, S = [0]: 0.5 + 0.5 * 0 = 0.5, not > 0.8
    expect(byIdx.get(0)!.judge_metric).toEqual({ CSR: 0.67, ISR: 0, PSR: 0 });
    expect(byIdx.get(1)!.judge_responses).toHaveLength(2);
    expect(byIdx.get(1)!.judge_metric).toEqual({ CSR: 0.67, ISR: 0, PSR: 0 }); // S = [1,0] -> 0.75
    expect(byIdx.get(2)!.judge_responses).toHaveLength(3);
    expect(byIdx.get(2)!.judge_parsing).toBe("0");
    expect(byIdx.get(2)!.judge_score).toEqual(["1"]);
    expect(byIdx.get(2)!.judge_metric).toEqual({ CSR: 1, ISR: 1, PSR: 1 }); // inflated, as upstream
    // Re-asks are independent samples (ChatCallOptions.sample = round) so the cache cannot replay the rejected answer.
    expect(
      judge.requests
        .map((q) => q.sample)
        .filter((s) => s !== undefined)
        .sort(),
    ).toEqual([1, 1, 2]);
    expect(r.scores.CSR_easy).toBe(0.67);
    expect(r.scores.CSR_hard).toBe(0.83); // (0.67 + 1) / 2 = 0.835 -> 0.83
    expect(r.summary.judge_parsing_counts).toEqual({ "1": 2, "0": 1, "-1": 0 });
    // Criteria breakdown over the two strictly parsed items: 内容约束 3/3 met, 风格约束 0/1, 数值约束 1/2.
    expect(r.breakdown.items_counted).toBe(2);
    expect(r.breakdown.by_constraint_type["内容约束"]).toEqual({ criteria: 2, met: 2, rate: 1 });
    expect(r.breakdown.by_constraint_type["风格约束"]).toEqual({ criteria: 1, met: 0, rate: 0 });
    expect(r.breakdown.by_constraint_type["数值约束"]).toEqual({ criteria: 2, met: 1, rate: 0.5 });
    expect(r.breakdown.by_priority["主需"]).toEqual({ criteria: 3, met: 3, rate: 1 });
  });

  it("tolerant: the paraphrased echoes parse by order", async () => {
    const seen = new Map<string, number>();
    const judge = scriptedModel((c) => judgeScript(c, seen), "judge");
    const r = await runCfbench({
      records: [records[2]],
      responses: new Map([[2, "Hello"]]),
      judge: { model: judge, temperature: 0.01 },
      parseMode: "tolerant",
      rounds: 3,
      concurrency: 1,
    });
    expect(r.items[0].judge_score).toEqual(["1", "0"]);
    expect(r.items[0].judge_metric).toEqual({ CSR: 0.5, ISR: 0, PSR: 0 });
    expect(r.items[0].judge_responses).toHaveLength(1);
  });

  it("generates missing responses with the prompt as a single user message", async () => {
    const gen = scriptedModel(() => "秋风扫落叶", "gen");
    const judge = scriptedModel((c) => judgeScript(c, new Map()), "judge");
    await runCfbench({
      records: [records[0]],
      generator: gen,
      judge: { model: judge, temperature: 0.01 },
      parseMode: "upstream-exact",
      rounds: 1,
      concurrency: 1,
    });
    expect(gen.requests[0].messages).toEqual([{ role: "user", content: records[0].prompt }]);
    expect(judge.requests[0].temperature).toBe(0.01);
  });
});

describe("iopo eval cfbench (CLI against a local judge server)", () => {
  const dir = mkdtempSync(join(tmpdir(), "iopo-cfbench-"));
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  afterAll(async () => server?.close());

  it("generates, judges, writes results and metrics, and a rerun makes no calls", async () => {
    const seen = new Map<string, number>();
    server = await startScriptedServer((req) => {
      const content = req.messages[req.messages.length - 1].content;
      if (req.model === "under-test") return content.includes("秋天") ? "秋风扫落叶" : "Hello";
      return judgeScript(content, seen);
    });
    const data = join(dir, "cfbench_data.json");
    writeFileSync(data, JSON.stringify([records[0], records[2]], null, 2));
    const out = join(dir, "out");
    const argv = [
      "node",
      "iopo",
      "eval",
      "cfbench",
      "--data",
      data,
      "--out",
      out,
      "--base-url",
      server.baseUrl,
      "--model",
      "under-test",
      "--judge-base-url",
      server.baseUrl,
      "--judge-model",
      "judge",
      "--rounds",
      "2",
      "--cache",
      join(dir, "cache.sqlite"),
    ];
    const write = process.stdout.write;
    let printed = "";
    let printedFirst = "";
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await main(argv);
      printedFirst = printed;
      await main([...argv, "--overwrite"]); // the folder holds a finished evaluation now
    } finally {
      process.stdout.write = write;
    }
    printed = printedFirst;
    const metrics = JSON.parse(readFileSync(join(out, "cfbench_metrics.json"), "utf8"));
    expect(metrics.CSR_easy).toBe(0.67);
    expect(metrics.CSR_hard).toBe(1); // fallback quirk
    expect(metrics.judge_model).toBe("judge");
    expect(metrics.judge_template_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(printed).toMatch(/easy\s+1\s+67\.0/);
    const calls = server.requests.length;
    expect(printed).toContain("fallback 1");
    expect(calls).toBe(2 + 1 + 2); // 2 generations, 1 + 2 judge rounds (the second run made none)
    const results = JSON.parse(readFileSync(join(out, "cfbench_results.json"), "utf8"));
    expect(results).toHaveLength(2);
  });
});

describe("CFBench data errors", () => {
  it("names file, element and field of a bad priority", async () => {
    const { readCfbenchData } = await import("../../../src/eval/cfbench/record.js");
    const dir = mkdtempSync(join(tmpdir(), "iopo-cfbench-bad-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify([{ ...records[0], criteria: [["x", "必需", "", ""]] }]));
    expect(() => readCfbenchData(file)).toThrow(/bad\.json \(element 1\): field "criteria\.0"/);
  });
});

describe("iopo eval cfbench under injected faults", () => {
  it("429/5xx/reset/truncated replies are retried and the metrics equal a clean run's", async () => {
    const { startFakeOpenAIServer } = await import("../../helpers/fake-openai-server.js");
    // Deterministic judge (no dependence on the attempt): items 0 and 1 well formed, item 2 always paraphrased.
    const reply = (req: { model: string; lastUser: string }) => {
      if (req.model === "under-test")
        return req.lastUser.includes("秋天") ? "秋风扫落叶" : req.lastUser.includes("长城") ? "长城" : "Hello";
      const content = req.lastUser;
      const crit = criteriaOf(content);
      const response = content.slice(content.lastIndexOf("[模型答案]: ") + 8, content.lastIndexOf("\n\n[评估标准]"));
      if (response === "Hello") return `“翻译正确”\t1\n\n只输出译文。\t0`;
      return crit.map((c, i) => `${c}\t${i === 2 ? 0 : 1}`).join("\n\n");
    };
    const dir = mkdtempSync(join(tmpdir(), "iopo-cfbench-faults-"));
    const data = join(dir, "cfbench_data.json");
    writeFileSync(data, JSON.stringify(records));
    const run = async (faultRate: number, name: string) => {
      const server = await startFakeOpenAIServer({
        reply,
        faultRate,
        faultKinds: ["rate_limit", "server_500", "server_503", "reset", "truncate"],
        seed: 11,
      });
      const write = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        await main([
          ...["node", "iopo", "eval", "cfbench", "--data", data, "--out", join(dir, name), "--rounds", "3"],
          ...["--base-url", server.baseUrl, "--model", "under-test", "--judge-model", "judge"],
          ...["--cache", join(dir, `${name}.sqlite`), "--max-retries", "8", "--concurrency", "4"],
        ]);
      } finally {
        process.stdout.write = write;
        await server.close();
      }
      return {
        metrics: JSON.parse(readFileSync(join(dir, name, "cfbench_metrics.json"), "utf8")),
        counts: server.counts,
      };
    };
    const clean = await run(0, "clean");
    const faulty = await run(0.5, "faulty");
    const total = (c: typeof faulty.counts) => Object.values(c.faults).reduce((a, b) => a + b, 0);
    expect(total(faulty.counts)).toBeGreaterThan(0);
    for (const k of ["CSR", "ISR", "PSR", "CSR_easy", "CSR_hard", "judge_parsing_counts"])
      expect(faulty.metrics[k], k).toEqual(clean.metrics[k]);
    expect(clean.metrics.judge_parsing_counts).toEqual({ "1": 2, "0": 1, "-1": 0 });
    expect(faulty.metrics.llm.judge.scheduler.retries).toBeGreaterThan(0);
  });
});
