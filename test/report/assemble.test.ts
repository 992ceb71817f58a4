import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { evalIfeval } from "../../src/eval/ifeval/run.js";
import { assembleReport } from "../../src/report/assemble.js";
import { folderKind } from "../../src/report/detect.js";
import { embedJson, renderReportHtml } from "../../src/report/html.js";
import type { ReportData } from "../../src/report/model.js";
import { baseKey, trainingCharts } from "../../src/report/training-section.js";
import { runWorldDemo } from "../../src/world/demo-run.js";
import { DEFAULT_METHODS, HOSTILE_STRINGS, writeExperimentFixture } from "./fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "iopo-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const readJsonl = (f: string) =>
  readFileSync(f, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe("an experiment run folder (results.json and the folders it lists)", () => {
  const dir = join(tmp, "exp");
  let report: ReportData;
  let results: ReturnType<typeof writeExperimentFixture>;
  beforeAll(() => {
    results = writeExperimentFixture(dir, {
      name: "fixture-exp",
      methods: DEFAULT_METHODS,
      seeds: [1, 2, 3],
      items: 30,
    });
    report = assembleReport([dir]);
  });

  it("is recognised by its results.json and follows its paths", () => {
    expect(folderKind(dir)).toBe("experiment");
    expect(report.title).toBe("fixture-exp");
    const kinds = report.sources.map((s) => s.kind);
    expect(kinds.filter((k) => k === "experiment")).toHaveLength(1);
    expect(kinds.filter((k) => k === "train")).toHaveLength(6); // dpo, iopo x 3 seeds
    expect(kinds.filter((k) => k === "eval-trace")).toHaveLength(8); // base, sft once; dpo, iopo x 3
    expect(report.sources.find((s) => s.path === join(dir, "train/iopo/seed-2"))?.note).toBe("IOPO · seed 2");
    expect(report.warnings).toEqual([]);
  });

  it("keeps the table of results.json, its per-seed values and marks the best mean per column", () => {
    const r = report.results!;
    expect(r.from).toBe("experiment");
    expect(r.methods.map((m) => m.id)).toEqual(["base", "sft", "dpo", "iopo"]);
    expect(r.summary).toEqual(results.summary);
    expect(r.values.dpo.if_m.map((v) => v.seed)).toEqual([1, 2, 3]);
    expect(r.values.dpo.if_m.map((v) => v.value)).toEqual(
      results.runs.filter((x) => x.method === "dpo").map((x) => x.metrics.if_m),
    );
    for (const metric of ["if_s", "if_m"]) {
      const means = r.methods.map((m) => results.summary[m.id][metric].mean);
      const top = Math.max(...means);
      expect(r.best[metric]).toEqual(r.methods.filter((_, i) => means[i] === top).map((m) => m.id));
    }
    // Dimensions are shown by the paper's names, counts by number of constraints as given.
    const dims = Object.keys(r.by_dimension.iopo);
    expect(dims.length).toBeGreaterThan(0);
    expect(dims.every((d) => /^[A-Z]/.test(d))).toBe(true);
    expect(r.by_constraints_num.iopo).toEqual(results.breakdowns.by_constraints_num.iopo);
    expect(r.phases).toHaveLength(3);
  });

  it("draws one chart per quantity with IOPO's _v1/_v2 on the same axes as DPO's plain key", () => {
    const t = report.training!;
    expect(t.runs.map((x) => x.label)).toContain("DPO · seed 1");
    const margins = t.charts.find((c) => c.id === "train:rewards/margins")!;
    expect(margins.keys).toEqual(["rewards/margins", "rewards/margins_v1", "rewards/margins_v2"]);
    expect(t.charts.map((c) => c.title).slice(0, 3)).toEqual(["loss", "rewards/margins", "rewards/accuracies"]);
    expect(t.charts.find((c) => c.id === "eval:loss")?.keys).toEqual(["eval_loss"]);
    const iopo = t.runs.find((x) => x.label === "IOPO · seed 3")!;
    expect(iopo.train.step).toHaveLength(20);
    expect(iopo.eval.step).toEqual([5, 10, 15, 20]);
    expect(iopo.last_step).toBe(20);
    expect(iopo.total_steps).toBe(20);
    // Bookkeeping fields are not curves.
    expect(Object.keys(iopo.train.cols)).not.toContain("elapsed_time");
  });

  it("lists every evaluated item once, with each run's verdicts as results.jsonl has them", () => {
    const b = report.items!.benchmarks[0];
    expect(b.id).toBe("trace");
    expect(b.items).toHaveLength(30);
    expect(b.runs).toHaveLength(8);
    const records = readJsonl(join(dir, "data/eval/eval.jsonl"));
    records.forEach((rec, i) => {
      expect(b.items[i].id).toBe(rec.id);
      expect(b.strings[b.items[i].text]).toBe(rec.messages[1].content);
      expect(b.items[i].cons.map((c) => b.strings[c])).toEqual(rec.constraints_splits);
      expect(b.items[i].dims.every((d) => d >= 0)).toBe(true);
    });
    const run = b.runs.find((x) => x.label === "DPO · seed 2")!;
    const rows = readJsonl(join(dir, "eval/dpo/seed-2/results.jsonl"));
    rows.forEach((row, i) => {
      const x = run.results[i]!;
      expect(x.p).toBe(row.followed.all_ten ? 1 : 0);
      expect(b.strings[x.r]).toBe(row.response);
      expect(x.s).toEqual(row.judge.scores);
      expect(b.strings[x.j!]).toBe(row.judge.raw);
      expect(x.u!.map((u) => u[0])).toEqual(
        row.rules.map((r: { verdict: string }) => ({ none: 0, pass: 1, fail: 2 })[r.verdict]),
      );
    });
    // Each instruction is stored once although eight runs evaluated it.
    expect(b.strings.filter((s) => s === records[0].messages[1].content)).toHaveLength(1);
  });
});

describe("data engine folders found below a folder given", () => {
  const dir = join(tmp, "world");
  let report: ReportData;
  beforeAll(async () => {
    await runWorldDemo({ outputDir: dir, seeds: 10, seed: 3, concurrency: 4 });
    report = assembleReport([dir]);
  });

  it("reads trace build and pairs folders into funnels in data-flow order", () => {
    const d = report.data!;
    expect(d.funnels.map((f) => f.job)).toEqual(["trace build", "pairs iopo", "pairs dpo"]);
    const summary = JSON.parse(readFileSync(join(dir, "trace", "summary.json"), "utf8"));
    const f = d.funnels[0];
    expect([f.rows_in, f.rows_out, f.rejected]).toEqual([summary.rows_in, summary.rows_out, summary.rejected]);
    expect(f.stages.map((s) => [s.stage, s.rows_in, s.rows_out, s.rejected, s.reasons])).toEqual(
      summary.stages.map((s: Record<string, unknown>) => [s.stage, s.rows_in, s.rows_out, s.rejected, s.reasons]),
    );
  });

  it("computes Table 1/2 with src/trace/stats.ts and the IOPO operation mix", () => {
    const d = report.data!;
    const trace = readJsonl(join(dir, "trace", "trace.jsonl"));
    expect(d.stats[0].stats.n).toBe(trace.length);
    expect(d.stats[0].stats.constraints_total).toBe(trace.reduce((a, r) => a + r.constraints_num, 0));
    const groups = readJsonl(join(dir, "iopo", "iopo_groups.jsonl"));
    const mix = d.operations[0].mix;
    for (const op of ["add", "delete", "revise"])
      expect(mix[op] ?? 0).toBe(groups.filter((g) => g.operation === op).length);
    expect(report.training).toBeUndefined();
    expect(report.results).toBeUndefined();
  });
});

describe("evaluation folders given directly", () => {
  it("makes one results row per folder and lists IFEval items with strict and loose verdicts", async () => {
    const conformance = readJsonl(join(import.meta.dirname, "../fixtures/ifeval/conformance/gpt4_verdicts.jsonl"));
    const responses = join(tmp, "ifeval-responses.jsonl");
    writeFileSync(
      responses,
      conformance
        .slice(0, 12)
        .map((r) => JSON.stringify({ prompt: r.prompt, response: r.response }))
        .join("\n"),
    );
    const out = join(tmp, "ifeval-run");
    const quiet = { out: () => {}, err: () => {} };
    await evalIfeval({ responses, outputDir: out }, quiet);
    const expDir = join(tmp, "exp-direct");
    writeExperimentFixture(expDir, { methods: DEFAULT_METHODS.slice(3), seeds: [5], items: 8 });
    const traceDir = join(expDir, "eval/iopo/seed-5");
    const report = assembleReport([out, traceDir]);
    expect(report.sources.map((s) => s.kind)).toEqual(["eval-ifeval", "eval-trace"]);
    const r = report.results!;
    expect(r.from).toBe("eval-folders");
    expect(r.methods.map((m) => m.label)).toEqual(["ifeval-run", "iopo/seed-5"]);
    const m = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(r.summary["ifeval-run"].prompt_level_strict_acc.mean).toBeCloseTo(100 * m.prompt_level_strict_acc, 10);
    expect(r.summary["ifeval-run"].inst_level_loose_acc.mean).toBeCloseTo(100 * m.inst_level_loose_acc, 10);
    const tm = JSON.parse(readFileSync(join(traceDir, "metrics.json"), "utf8"));
    expect(r.summary["iopo/seed-5"].if_m.mean).toBe(tm.IF_M.IF.pct);
    expect(Object.keys(r.by_constraints_num["iopo/seed-5"])).toEqual(Object.keys(tm.by_constraints_num));
    const ifeval = report.items!.benchmarks.find((b) => b.id === "ifeval")!;
    expect(ifeval.items).toHaveLength(12);
    const strict = readJsonl(join(out, "eval_results_strict.jsonl"));
    strict.forEach((row, i) => {
      const x = ifeval.runs[0].results[i]!;
      expect(ifeval.strings[ifeval.items[i].text]).toBe(row.prompt);
      expect(x.p).toBe(row.follow_all_instructions ? 1 : 0);
      expect(x.st).toEqual(row.follow_instruction_list.map((b: boolean) => (b ? 1 : 0)));
    });
  });
});

describe("CFBench and ComplexBench folders", () => {
  it("give their headline metrics in percent, recognised by their metrics files", () => {
    const cf = join(tmp, "cfbench-out");
    const cb = join(tmp, "complexbench-out");
    mkdirSync(cf, { recursive: true });
    mkdirSync(cb, { recursive: true });
    // The keys the writers of src/eval/cfbench/outputs.ts and src/eval/complexbench/outputs.ts put first.
    writeFileSync(join(cf, "cfbench_metrics.json"), JSON.stringify({ CSR: 0.81, ISR: 0.5, PSR: 0.62, n: 10 }));
    writeFileSync(join(cf, "cfbench_results.json"), "[]");
    writeFileSync(join(cb, "complexbench_metrics.json"), JSON.stringify({ overall_drfr: 0.734, questions: 40 }));
    const report = assembleReport([cf, cb]);
    expect(report.sources.map((x) => x.kind)).toEqual(["eval-cfbench", "eval-complexbench"]);
    const r = report.results!;
    expect(r.metrics.map((m) => m.id)).toEqual(["cfbench_csr", "cfbench_isr", "cfbench_psr", "complexbench_drfr"]);
    expect(r.summary["cfbench-out"].cfbench_csr.mean).toBeCloseTo(81, 10);
    expect(r.summary["complexbench-out"].complexbench_drfr.mean).toBeCloseTo(73.4, 10);
    expect(r.best.cfbench_psr).toEqual(["cfbench-out"]);
    expect(report.items).toBeUndefined();
  });
});

describe("an experiment run whose eval_dir holds one folder per benchmark", () => {
  it("reads each benchmark's folder for that run (after the IFEval test above wrote one)", () => {
    const dir = join(tmp, "exp-nested");
    writeExperimentFixture(dir, { methods: DEFAULT_METHODS.slice(3), seeds: [1], items: 5 });
    const evalDir = join(dir, "eval/iopo/seed-1");
    renameSync(evalDir, `${evalDir}-trace`);
    mkdirSync(evalDir);
    renameSync(`${evalDir}-trace`, join(evalDir, "trace"));
    cpSync(join(tmp, "ifeval-run"), join(evalDir, "ifeval"), { recursive: true });
    const report = assembleReport([dir]);
    expect(report.warnings).toEqual([]);
    const notes = report.sources.filter((x) => x.note === "IOPO · seed 1").map((x) => x.kind);
    expect(notes.sort()).toEqual(["eval-ifeval", "eval-trace", "train"]);
    expect(report.items!.benchmarks.map((b) => [b.id, b.runs.length, b.items.length])).toEqual([
      ["trace", 1, 5],
      ["ifeval", 1, 12],
    ]);
  });
});

describe("errors name the file", () => {
  it("rejects a folder with no iopo output, and a bad log line with file:line", () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty, { recursive: true });
    expect(() => assembleReport([empty])).toThrow(DataError);
    expect(() => assembleReport([join(tmp, "missing")])).toThrow(/missing: no such file or folder/);
    const bad = join(tmp, "bad-train");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "trainer_log.jsonl"), '{"step":1,"loss":0.7}\n{"step":2,\n');
    expect(() => assembleReport([bad])).toThrow(/trainer_log\.jsonl:2: not valid JSON/);
  });
});

describe("the log keys a chart groups", () => {
  it("strips the eval_ prefix and the _v1/_v2 suffix, and orders the known quantities first", () => {
    expect(baseKey("eval_rewards/margins_v2")).toBe("rewards/margins");
    const run = (cols: string[]) => ({
      label: "x",
      source: "x",
      train: { step: [1], cols: Object.fromEntries(cols.map((c) => [c, [1]])) },
      eval: { step: [], cols: {} },
      last_step: 1,
    });
    const charts = trainingCharts([run(["zeta", "learning_rate", "loss", "rewards/chosen_v2", "rewards/chosen_v1"])]);
    expect(charts.map((c) => c.title)).toEqual(["loss", "rewards/chosen", "learning_rate", "zeta"]);
    expect(charts[1].keys).toEqual(["rewards/chosen_v1", "rewards/chosen_v2"]);
  });
});

describe("the page", () => {
  const data: ReportData = {
    schema: "iopo.report/1",
    title: HOSTILE_STRINGS[1],
    created: "2024-11-01T00:00:00.000Z",
    version: "0",
    sources: [],
    warnings: [...HOSTILE_STRINGS],
  };

  it("embeds data so that no string can end its script block, and reads back unchanged", () => {
    const json = embedJson(data);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(data);
  });

  it("allows by hash exactly its one script and one style, and nothing from the network", () => {
    const html = renderReportHtml(data);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    const script = /<script>([\s\S]*)<\/script>\n<\/body>/.exec(html)![1];
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toMatch(/^default-src 'none'/);
    expect(html).not.toMatch(/\s(src|href)="https?:/);
    // Two script elements: the data (not executed) and the code.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('<script type="application/json" id="report-data">');
  });

  it("compresses large data (gzip + base64) and the bytes inflate to the same JSON", () => {
    const html = renderReportHtml(data, { compressAbove: 10 });
    const b64 = /<script type="application\/octet-stream" id="report-data-gz">([^<]*)<\/script>/.exec(html)![1];
    expect(JSON.parse(gunzipSync(Buffer.from(b64, "base64")).toString("utf8"))).toEqual(data);
  });
});

describe("hostile strings in a run folder", () => {
  it("are kept as data, byte for byte", () => {
    const dir = join(tmp, "hostile");
    writeExperimentFixture(dir, { methods: DEFAULT_METHODS.slice(2), seeds: [1], items: 16, hostile: HOSTILE_STRINGS });
    const report = assembleReport([dir]);
    const b = report.items!.benchmarks[0];
    expect(b.items[0].id).toBe(HOSTILE_STRINGS[0]);
    for (const s of HOSTILE_STRINGS.slice(0, 12)) expect(b.strings.some((x) => x.includes(s))).toBe(true);
    expect(report.results!.methods[0].label).toContain(HOSTILE_STRINGS[4]);
  });
});
