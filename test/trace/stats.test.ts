import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { computeStats, formatStats, statsOfFile, unlabelledWarnings } from "../../src/trace/stats.js";
import { bundledDataPath, packageRoot } from "../../src/util/paths.js";
import { runInProcess } from "../helpers/main-in-process.js";

/** Hand-compiled counts of the evaluation set (the oracle), see its header. */
const COUNTS = readFileSync(join(packageRoot, "test", "fixtures", "trace", "counts.md"), "utf8");

describe("stats", () => {
  const s = statsOfFile(bundledDataPath("trace", "2024_trace_evaluation.jsonl"));

  it("reproduces Table 1 for the bundled evaluation set", () => {
    expect(s.n).toBe(1042);
    expect(s.constraints_total).toBe(5087);
    expect(s.constraints_avg).toBe(4.88);
    expect(s.constraints_min).toBe(1);
    expect(s.constraints_max).toBe(15);
    expect(s.splits).toEqual({ "IF-S": 200, "IF-M": 842 });
  });

  it("reproduces the file's distribution by number of constraints (counts table)", () => {
    const line = COUNTS.split("\n").find((l) => /^\|\s*this file\s*\|/.test(l))!;
    const cells = line
      .split("|")
      .slice(2, 17)
      .map((c) => Number(c.replace(/\*/g, "").trim()));
    expect(Object.values(s.by_constraints_num)).toEqual(cells);
    expect(Object.keys(s.by_constraints_num)).toEqual(cells.map((_, i) => String(i + 1)));
  });

  it("reproduces the per-dimension and per-type counts of the counts table", () => {
    let checked = 0;
    for (const line of COUNTS.split("\n")) {
      const m = line.match(/^\|\s*(\w+)\s*\|\s*([^|]+?)\s*\|\s*`([^`]+)`[^|]*\|\s*(\d+)\s*\|/);
      if (!m) continue;
      expect(s.by_dimension[m[2].trim()], m[2]).toBe(Number(m[4]));
      expect(s.by_label[m[3]]).toBe(Number(m[4]));
      checked++;
    }
    expect(checked).toBe(26);
    expect(s.by_dimension.Unknown).toBe(2);
    expect(s.unknown_labels).toEqual({ 输入格式约束: 1, "·": 1 });
    expect(s.by_type).toMatchObject({ Content: 2381, Format: 1599, Situation: 549, Style: 508, Example: 48 });
    expect(Object.values(s.by_dimension).reduce((a: number, b: number) => a + b, 0)).toBe(5087);
  });

  it("computes small hand-made sets and prints a table", () => {
    const t = computeStats([
      { constraints_num: 1, levels2: ["主题约束"] },
      { constraints_splits: ["a", "b", "c"], levels2: ["数值约束", "数值约束", "nope"] },
    ]);
    expect(t).toMatchObject({ n: 2, constraints_total: 4, constraints_min: 1, constraints_max: 3, constraints_avg: 2 });
    expect(t.by_dimension.Numerical).toBe(2);
    expect(t.by_dimension_share.Numerical).toBe(50);
    expect(formatStats(t)).toContain("Unknown");
    const unlabelled = computeStats([{ constraints_num: 2 }]);
    expect(unlabelled.labelled_constraints).toBe(0);
    expect(formatStats(unlabelled)).toContain("no `levels2` labels");
  });

  it("counts rows and constraints without a dimension label instead of dropping them silently", () => {
    const t = computeStats([
      { constraints_num: 2, levels2: ["主题约束", "数值约束"] }, // fully labelled
      { constraints_num: 3 }, // no levels2 at all
      { constraints_splits: ["a", "b", "c"], levels2: ["数值约束", ""] }, // one short, one empty label
      { constraints_num: 1, levels2: ["主题约束", "数值约束"] }, // more labels than constraints
    ]);
    expect(t.constraints_total).toBe(9);
    expect(t.labelled_constraints).toBe(5);
    expect(t.unlabelled).toEqual({ constraints: 5, rows: 2, rows_without_levels2: 1, rows_with_extra_labels: 1 });
    // The per-dimension counts sum to the labelled constraints; the unlabelled ones make up the rest of the total.
    expect(Object.values(t.by_dimension).reduce((a, b) => a + b, 0)).toBe(5);
    expect(unlabelledWarnings(t)).toEqual([
      "warning: 5 of 9 constraints (in 2 rows) have no levels2 label (1 rows have no levels2 at all); the dimension " +
        "shares are over the 5 labelled constraints",
      "warning: 1 rows have more levels2 labels than constraints",
    ]);
    expect(formatStats(t)).toContain("warning: 5 of 9 constraints (in 2 rows) have no levels2 label");
    expect(s.unlabelled).toEqual({ constraints: 0, rows: 0, rows_without_levels2: 0, rows_with_extra_labels: 0 });
  });

  it("through the CLI: --json carries the counts and stderr the warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-stats-"));
    const f = join(dir, "partly.jsonl");
    writeFileSync(f, '{"constraints_num": 2, "levels2": ["主题约束"]}\n{"constraints_num": 1}\n');
    const r = await runInProcess(["stats", f, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).unlabelled).toEqual({
      constraints: 2,
      rows: 2,
      rows_without_levels2: 1,
      rows_with_extra_labels: 0,
    });
    expect(r.stderr).toContain("iopo stats: warning: 2 of 3 constraints (in 2 rows) have no levels2 label");
  });
});
