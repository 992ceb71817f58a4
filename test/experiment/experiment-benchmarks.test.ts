import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeJsonl } from "../../src/data/jsonl.js";
import type { ExperimentResults } from "../../src/experiment/results.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { records as cfbenchRecords, criteriaOf, responseOf } from "../eval/cfbench/fixtures.js";
import { records as complexbenchRecords } from "../eval/complexbench/fixtures.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { iopoIn } from "../helpers/in-process-cli.js";

/**
 * `iopo experiment` with IFEval, CFBench and ComplexBench in the plan, end to end on a tiny model: SFT then DPO (one
 * step each), every checkpoint (base, sft, dpo) generates in-process and is scored by the benchmarks' own
 * evaluators, the judges behind a real local HTTP server. The metrics in results.json are checked against
 * `iopo eval ifeval|cfbench|complexbench` run separately on the generations the experiment saved; a rerun
 * generates nothing and calls no judge.
 */

/** A number that depends on every character of the text (the scripted judges' verdicts follow the generations). */
const charSum = (text: string) => [...text].reduce((a, c) => a + c.codePointAt(0)!, 0);

/** CFBench judge: criterion k is met when (the answer's character sum + k) is even, in the strict echo format. */
function cfbenchJudge(prompt: string): string {
  const response = responseOf(prompt);
  return criteriaOf(prompt)
    .map((c, k) => `${c}\t${(charSum(response) + k) % 2 === 0 ? 1 : 0}`)
    .join("\n\n");
}

/**
 * ComplexBench judge: a yes/no question is met when the character sum of answer and question is even; extraction
 * requests return the whole answer, so the rule questions are checked on what the model generated.
 */
function complexbenchJudge(prompt: string): string {
  if (prompt.endsWith("【解释】"))
    return "【解释】\n评测对象是整个回复。\n\n【模型回复中评分问题的评测对象】\n评分对象：all";
  const response = prompt.slice(prompt.lastIndexOf("**模型回复**\n") + 9, prompt.lastIndexOf("\n\n**问题**"));
  const question = prompt.slice(prompt.lastIndexOf("**问题**\n") + 7);
  return charSum(response + question) % 2 === 0 ? "分析：满足。\n答案：是" : "分析：不满足。\n答案：否";
}

describe("iopo experiment with benchmarks (tiny model, local judge server)", () => {
  const root = mkdtempSync(join(tmpdir(), "iopo-exp-bench-"));
  const out = join(root, "run");
  let server: FakeOpenAIServer;
  let plan: string;
  const rows = ["base", "sft", "dpo"];

  beforeAll(async () => {
    process.env.IOPO_CACHE = join(root, "llm.sqlite");
    process.env.OPENAI_API_KEY ??= "test-key";
    server = await startFakeOpenAIServer({
      reply: (req) => (req.lastUser.includes("[评估标准]") ? cfbenchJudge : complexbenchJudge)(req.lastUser),
    });
    // initStd 0.2: varied text (the default 0.02 decodes the same token over and over, whatever the prompt)
    writeTinyModel(join(root, "base"), { hiddenSize: 32, numLayers: 2, seed: 3, maxPositions: 1024, initStd: 0.2 });
    const topics = ["apples", "rivers", "winter", "music"];
    writeJsonl(
      join(root, "sft.jsonl"),
      topics.map((t) => ({ instruction: `Write one line about ${t}.`, input: "", output: `A line about ${t}.` })),
    );
    writeJsonl(
      join(root, "dpo.jsonl"),
      topics.map((t) => ({
        prompt: `Name ${t} in lower case.`,
        chosen: t,
        rejected: t.toUpperCase(),
      })),
    );
    writeFileSync(join(root, "cfbench.json"), JSON.stringify(cfbenchRecords));
    writeJsonl(join(root, "complexbench.jsonl"), complexbenchRecords);
    plan = join(root, "plan.yaml");
    writeFileSync(
      plan,
      [
        "name: bench",
        "seeds: 1",
        "model: { base: base }",
        "data: { source: files, files: { sft: sft.jsonl, dpo: dpo.jsonl } }",
        "sft: { finetuning_type: full, learning_rate: 3.0e-2, warmup_ratio: 0, max_steps: 1, per_device_train_batch_size: 2 }",
        "train: { finetuning_type: full, learning_rate: 3.0e-2, warmup_ratio: 0, max_steps: 1, per_device_train_batch_size: 2 }",
        "methods: [dpo]",
        "eval:",
        "  batch_size: 8",
        "  ifeval: { limit: 4, max_new_tokens: 12 }",
        `  cfbench: { data: cfbench.json, judge_model: judge, judge_base_url: ${server.baseUrl}, max_new_tokens: 12, rounds: 2 }`,
        `  complexbench: { data: complexbench.jsonl, judge_model: judge, judge_base_url: ${server.baseUrl}, max_new_tokens: 12 }`,
      ].join("\n"),
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  const read = () => JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as ExperimentResults;
  const run = (r: ExperimentResults, row: string) => r.runs.find((x) => x.method === row)!;

  it("--dry-run lists the benchmarks and their judge calls", async () => {
    const r = await iopoIn(root, ["experiment", "-c", plan, "--dry-run", "--output-dir", join(root, "dry")]);
    expect(r.stdout).toContain("TRACE evaluation: none (no data.files.eval_trace)");
    expect(r.stdout).toMatch(
      /ifeval\s+4 of 541 prompts \(the bundled data\), up to 12 new tokens each; scored by rules/,
    );
    expect(r.stdout).toMatch(/cfbench\s+3 records of .*cfbench\.json/);
    expect(r.stdout).toMatch(/complexbench\s+5 records \(13 scoring questions\)/);
    // 3 checkpoints: 3 x 3 CFBench items, 3 x 13 ComplexBench questions
    expect(r.stdout).toMatch(/cfbench judge \(\+ up to 1 re-asks\)\s+9 calls to judge/);
    expect(r.stdout).toMatch(/complexbench judge \(\+ up to 2 re-asks\)\s+39 calls to judge/);
  }, 60_000);

  it("evaluates every checkpoint on each benchmark, as iopo eval does on the same generations; a rerun redoes nothing", async () => {
    const first = await iopoIn(root, ["experiment", "-c", plan, "--output-dir", out]);
    const r = read();
    expect(r.runs.map((x) => [x.method, x.status])).toEqual(rows.map((m) => [m, "done"]));
    const ids = r.metrics.map((m) => m.id);
    expect(ids).toEqual([
      "ifeval/prompt_level_strict_acc",
      "ifeval/inst_level_strict_acc",
      "ifeval/prompt_level_loose_acc",
      "ifeval/inst_level_loose_acc",
      "cfbench/CSR",
      "cfbench/ISR",
      "cfbench/PSR",
      "complexbench/DRFR",
    ]);
    // the checks below compare values that depend on the generations (not all 0 or all 100)
    const values = r.runs.flatMap((x) => Object.values(x.metrics));
    expect(values.some((v) => v !== null && v > 0 && v < 100)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(2);
    expect(new Set(rows.map((row) => JSON.stringify(run(r, row).metrics))).size).toBeGreaterThan(1);
    expect(first.stdout).toMatch(/IFEval P-S .*CFB PSR .*CB DRFR/);
    expect(readFileSync(join(out, "results.md"), "utf8")).toMatch(/\| method \| IFEval P-S \|.*\| CB DRFR \|/);

    for (const row of rows) {
      const dir = join(out, "eval", row, "seed-1");
      const metrics = run(r, row).metrics;
      // IFEval: the experiment's responses, scored by the command
      const ife = await iopoIn(root, [
        "eval",
        "ifeval",
        "--responses",
        join(dir, "ifeval", "responses.jsonl"),
        "--limit",
        "4",
        "--json",
        "--output-dir",
        join(root, "check", row, "ifeval"),
      ]);
      const m = JSON.parse(ife.stdout);
      expect(m.num_responses).toBe(4);
      for (const k of [
        "prompt_level_strict_acc",
        "inst_level_strict_acc",
        "prompt_level_loose_acc",
        "inst_level_loose_acc",
      ])
        expect(metrics[`ifeval/${k}`], `${row} ${k}`).toBeCloseTo(100 * m[k], 10);
      // CFBench and ComplexBench: the saved generations, judged again by the commands (no cache)
      const judge = ["--judge-base-url", server.baseUrl, "--judge-model", "judge", "--no-cache", "--progress", "none"];
      await iopoIn(root, [
        "eval",
        "cfbench",
        "--data",
        "cfbench.json",
        "--responses",
        join(dir, "cfbench", "responses.jsonl"),
        "--rounds",
        "2",
        "--output-dir",
        join(root, "check", row, "cfbench"),
        ...judge,
      ]);
      const cf = JSON.parse(readFileSync(join(root, "check", row, "cfbench", "cfbench_metrics.json"), "utf8"));
      for (const k of ["CSR", "ISR", "PSR"])
        expect(metrics[`cfbench/${k}`], `${row} ${k}`).toBeCloseTo(100 * cf[k], 10);
      await iopoIn(root, [
        "eval",
        "complexbench",
        "--data",
        "complexbench.jsonl",
        "--responses",
        join(dir, "complexbench", "generations.jsonl"),
        "--output-dir",
        join(root, "check", row, "complexbench"),
        ...judge,
      ]);
      const cb = JSON.parse(
        readFileSync(join(root, "check", row, "complexbench", "complexbench_metrics.json"), "utf8"),
      );
      expect(metrics["complexbench/DRFR"], row).toBeCloseTo(100 * cb.overall_drfr, 10);
    }

    // The generations are the checkpoint's: `iopo eval ifeval --model-dir` on the DPO checkpoint gives the same text.
    await iopoIn(root, [
      "eval",
      "ifeval",
      "--model-dir",
      join(out, "train", "dpo", "seed-1"),
      "--limit",
      "4",
      "--max-tokens",
      "12",
      "--batch-size",
      "8",
      "--output-dir",
      join(root, "check", "dpo-generate"),
    ]);
    const texts = (f: string) =>
      readFileSync(f, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).response);
    expect(texts(join(out, "eval", "dpo", "seed-1", "ifeval", "responses.jsonl"))).toEqual(
      texts(join(root, "check", "dpo-generate", "responses.jsonl")),
    );

    // A rerun: nothing generated, no judge call, the same numbers.
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    const stamp = () => Object.fromEntries(files(join(out, "eval")).map((f) => [f, statSync(f).mtimeMs]));
    const before = stamp();
    const calls = server.counts.total;
    const again = await iopoIn(root, ["experiment", "-c", plan, "--output-dir", out]);
    for (const row of rows) expect(again.stdout).toContain(`evaluate ${row} seed 1 (done)`);
    expect(server.counts.total).toBe(calls);
    expect(stamp()).toEqual(before);
    expect(read().runs.map((x) => x.metrics)).toEqual(r.runs.map((x) => x.metrics));

    // Benchmarks cut after their generations (no marker, no metrics): a rerun judges the saved generations.
    const dpo = join(out, "eval", "dpo", "seed-1");
    rmSync(join(dpo, "cfbench", "experiment_benchmark.json"));
    rmSync(join(dpo, "cfbench", "cfbench_metrics.json"));
    rmSync(join(dpo, "complexbench", "experiment_benchmark.json"));
    const saved = [join(dpo, "cfbench", "responses.jsonl"), join(dpo, "complexbench", "generations.jsonl")];
    const third = await iopoIn(root, ["experiment", "-c", plan, "--output-dir", out]);
    expect(third.stdout).toContain("evaluate sft seed 1 (done)");
    expect(third.stdout).toMatch(/evaluate dpo seed 1\n/);
    for (const f of saved) expect(statSync(f).mtimeMs, f).toBe(before[f]);
    expect(existsSync(join(dpo, "cfbench", "experiment_benchmark.json"))).toBe(true);
    expect(read().runs.map((x) => x.metrics)).toEqual(r.runs.map((x) => x.metrics));
  }, 240_000);
});
