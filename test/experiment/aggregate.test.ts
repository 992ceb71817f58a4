import { describe, expect, it } from "vitest";
import {
  aggregate,
  identicalRows,
  METRICS,
  type RunOutcome,
  resultsMarkdown,
  resultsTable,
  stat,
} from "../../src/experiment/aggregate.js";
import { START_ROWS } from "../../src/experiment/methods.js";
import type { MethodInfo } from "../../src/experiment/results.js";

const methods: MethodInfo[] = [
  ...START_ROWS,
  { id: "dpo", label: "DPO", kind: "method", description: "d" },
  { id: "iopo", label: "IOPO", kind: "method", description: "i" },
];

function run(method: string, seed: number, ifm: number, extra: Partial<RunOutcome> = {}): RunOutcome {
  return {
    method,
    seed,
    status: "done",
    metrics: { if_m: ifm, if_s: 50 },
    eval: {
      metrics: {},
      byConstraintsNum: { "1": [1, 2], "2": [Math.round(ifm / 25), 4] },
      byDimension: { output_format: [ifm / 10, 10] },
      seconds: 1,
    },
    ...extra,
  };
}

describe("stat", () => {
  it("is the mean and the sample standard deviation (n - 1), with min and max", () => {
    const s = stat([40, 50, 60]);
    expect(s.mean).toBe(50);
    expect(s.std).toBeCloseTo(10, 12); // sqrt(((-10)^2 + 0 + 10^2) / 2)
    expect([s.min, s.max, s.n]).toEqual([40, 60, 3]);
    expect(stat([7])).toEqual({ mean: 7, std: 0, min: 7, max: 7, n: 1 });
    expect(stat([]).n).toBe(0);
  });
});

describe("aggregate", () => {
  const runs = [
    run("base", 1, 0),
    run("sft", 1, 25),
    run("dpo", 1, 50),
    run("dpo", 2, 25),
    run("dpo", 3, 50),
    run("iopo", 1, 75),
    run("iopo", 2, 50),
    run("iopo", 3, 100),
  ];
  const r = aggregate({
    name: "t",
    plan: {},
    seeds: [1, 2, 3],
    methods,
    runs,
    phases: [{ name: "train", seconds: 2 }],
    data: {},
  });

  it("summarises every method over its seeds and keeps only metrics some run has", () => {
    expect(r.metrics.map((m) => m.id)).toEqual(["if_s", "if_m"]);
    expect(r.summary.iopo.if_m.mean).toBe(75);
    expect(r.summary.iopo.if_m.std).toBe(25);
    expect(r.summary.dpo.if_m.mean).toBeCloseTo(125 / 3, 12);
    expect(r.summary.sft.if_m).toEqual({ mean: 25, std: 0, min: 25, max: 25, n: 1 });
    expect(r.runs.every((x) => !("eval" in x))).toBe(true);
  });

  it("breaks IF down per number of constraints and per dimension, as rates over seeds", () => {
    // iopo seeds: 3/4, 2/4, 4/4 -> 75, 50, 100
    expect(r.breakdowns.by_constraints_num.iopo["2"]).toMatchObject({ mean: 75, items: 4, n: 3 });
    expect(r.breakdowns.by_constraints_num.iopo["1"]).toMatchObject({ mean: 50, std: 0 });
    expect(r.breakdowns.by_dimension.iopo.output_format.mean).toBeCloseTo(75, 12);
  });

  it("says what was measured: IOPO above DPO in 3 of 3 seeds, and whether the gap exceeds the spread", () => {
    const text = r.verdict.join("\n");
    expect(text).toContain("IF-M: IOPO 75.0 ± 25.0 vs DPO 41.7 ± 14.4: +33.3 points (IOPO higher in 3 of 3 seeds");
    expect(text).toContain("smaller than the two standard deviations together");
    expect(text).toContain(
      "The paper's claim holds on IF-M in this run: IOPO's mean is above DPO, but not by more than",
    );
    expect(text).toContain("Best mean IF-M: IOPO (75.0 ± 25.0).");
  });

  it("reports a loss as a loss", () => {
    const lost = aggregate({
      name: "t",
      plan: {},
      seeds: [1, 2],
      methods,
      runs: [run("dpo", 1, 60), run("dpo", 2, 61), run("iopo", 1, 40), run("iopo", 2, 41)],
      phases: [],
      data: {},
    });
    expect(lost.verdict.join("\n")).toContain("The paper's claim does not hold on IF-M in this run");
    expect(lost.verdict.join("\n")).toContain("-20.0 points (IOPO higher in 0 of 2 seeds; the gap is larger");
  });

  it("names rows that are equal in every metric at every seed, and only those", () => {
    const rows: MethodInfo[] = [
      ...methods,
      { id: "dpo_star", label: "DPO*", kind: "method", description: "s" },
      { id: "iopo_output_only", label: "w/o input pref.", kind: "method", description: "o" },
    ];
    const same = [run("dpo_star", 1, 30), run("dpo_star", 2, 40), run("iopo_output_only", 2, 40)];
    const twins = [...runs, ...same, run("iopo_output_only", 1, 30)];
    expect(identicalRows(rows, twins)).toEqual([["dpo_star", "iopo_output_only"]]);
    const r2 = aggregate({ name: "t", plan: {}, seeds: [1, 2], methods: rows, runs: twins, phases: [], data: {} });
    expect(r2.verdict).toContain(
      "DPO* and w/o input pref. are equal in every metric at every seed: they trained the same loss on the same examples.",
    );
    // one value apart, or a seed missing: not the same
    expect(identicalRows(rows, [...runs, ...same, run("iopo_output_only", 1, 30.1)])).toEqual([]);
    expect(identicalRows(rows, [...runs, ...same])).toEqual([]);
  });

  it("writes a markdown table with the best mean per column in bold, failures and wall time", () => {
    const md = resultsMarkdown({
      ...r,
      runs: [...r.runs, { method: "iopo", seed: 4, status: "failed", error: "NaN loss", metrics: {} }],
    });
    expect(md).toContain("| method | IF-S | IF-M |");
    expect(md).toContain("| IOPO | **50.0 ± 0.0** | **75.0 ± 25.0** |"); // ties are all best
    expect(md).toContain("| DPO | **50.0 ± 0.0** | 41.7 ± 14.4 |");
    expect(md).toContain("| SFT (start) | **50.0** | 25.0 |");
    expect(md).toContain("- iopo seed 4: failed (NaN loss)");
    expect(md).toContain("| train | 2.0 |");
    expect(resultsTable(r).split("\n")[0]).toMatch(/^method\s+IF-S\s+IF-M$/);
  });

  it("shows the benchmarks' columns after the TRACE ones, and compares IOPO with DPO on their headline metrics", () => {
    const bench = (method: string, seed: number, ifm: number, ps: number, drfr: number) =>
      run(method, seed, ifm, {
        metrics: { if_m: ifm, if_s: 50, "ifeval/prompt_level_strict_acc": ps, "complexbench/DRFR": drfr },
      });
    const b = aggregate({
      name: "t",
      plan: {},
      seeds: [1, 2],
      methods,
      runs: [bench("dpo", 1, 40, 30, 50), bench("dpo", 2, 42, 32, 52), bench("iopo", 1, 50, 20, 60)],
      phases: [],
      data: {},
    });
    expect(b.metrics.map((m) => m.id)).toEqual(["if_s", "if_m", "ifeval/prompt_level_strict_acc", "complexbench/DRFR"]);
    expect(b.metrics.map((m) => m.group)).toEqual(["TRACE-style", "TRACE-style", "IFEval", "ComplexBench"]);
    expect(resultsTable(b).split("\n")[0]).toMatch(/^method\s+IF-S\s+IF-M\s+IFEval P-S\s+CB DRFR$/);
    expect(resultsMarkdown(b)).toContain("| IOPO | **50.0** | **50.0** | 20.0 | **60.0** |");
    const text = b.verdict.join("\n");
    expect(text).toContain("IFEval P-S: IOPO 20.0 vs DPO 31.0 ± 1.4: -11.0 points");
    expect(text).toContain("CB DRFR: IOPO 60.0 vs DPO 51.0 ± 1.4: +9.0 points");
  });

  it("has a description for every metric it can report", () => {
    for (const m of METRICS) expect(m.description.length).toBeGreaterThan(10);
  });
});
