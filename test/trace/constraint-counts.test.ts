import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import {
  CountSpecError,
  compareCounts,
  countShares,
  countsOf,
  drawCount,
  loadCountDistribution,
  meanCount,
  totalWeight,
  truncateCounts,
} from "../../src/trace/constraint-counts.js";
import { expansionCounts, expansionPlan } from "../../src/trace/expand.js";
import { mulberry32 } from "../../src/util/random.js";
import { runCli } from "../helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-counts-"));

/** The paper's Table 2, row #Training (C = 1..15), typed in from the paper by hand. */
const TABLE2_TRAIN = [991, 8003, 26421, 34155, 26327, 13858, 5882, 2185, 999, 464, 8, 20, 20, 8, 4];
const TABLE2_EVAL = [200, 100, 100, 100, 100, 100, 100, 100, 100, 10, 10, 10, 4, 4, 4];

describe("constraint-count distributions", () => {
  it("defaults to the paper's training set (Table 2 #Training: 119,345 items, 1-15, 991 single, mean 4.36)", () => {
    const d = expansionCounts();
    expect(d.name).toBe("paper-train");
    expect([...d.weights.keys()]).toEqual(TABLE2_TRAIN.map((_, i) => i + 1));
    expect([...d.weights.values()]).toEqual(TABLE2_TRAIN);
    expect(totalWeight(d)).toBe(119345);
    expect(d.weights.get(1)).toBe(991);
    expect(meanCount(d).toFixed(2)).toBe("4.36");
    const ev = loadCountDistribution("paper-eval");
    expect([...ev.weights.values()]).toEqual(TABLE2_EVAL);
    expect(totalWeight(ev)).toBe(1042);
    expect(meanCount(ev).toFixed(2)).toBe("4.89");
  });

  it("draws counts with the distribution's shares, deterministically per row (Table 2 shape)", () => {
    const d = loadCountDistribution("paper-train");
    const rand = mulberry32(123);
    const n = 40000;
    const seen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = drawCount(d, rand);
      seen.set(c, (seen.get(c) ?? 0) + 1);
    }
    for (const [c, p] of countShares(d)) {
      const got = (seen.get(c) ?? 0) / n;
      // within 5 standard errors of a binomial share
      expect(Math.abs(got - p), `C=${c}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-4);
    }
    // per-row plans depend on (seed, id) only
    const ctx = { lang: "en" as const, seed: 7 };
    expect(expansionPlan("row-1", ctx, d)).toEqual(expansionPlan("row-1", ctx, d));
    const counts = Array.from({ length: 3000 }, (_, i) => expansionPlan(`r${i}`, ctx, d).count);
    expect(counts).toContain(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(15);
    expect(Math.abs(counts.reduce((a, b) => a + b, 0) / counts.length - 4.36)).toBeLessThan(0.1);
    // the suggested dimensions are as many as the count (at most the 26 dimensions)
    for (let i = 0; i < 50; i++) {
      const p = expansionPlan(`r${i}`, ctx, d);
      expect(p.dimensions).toHaveLength(p.count);
    }
  });

  it("truncates to --min/--max-constraints and renormalises; uniform:MIN-MAX is the old behaviour", () => {
    const d = truncateCounts(loadCountDistribution("paper-train"), 2, 6);
    expect([...d.weights.keys()]).toEqual([2, 3, 4, 5, 6]);
    const shares = countShares(d);
    expect(shares.get(4)).toBeCloseTo(34155 / (8003 + 26421 + 34155 + 26327 + 13858), 12);
    expect(truncateCounts(d, undefined, undefined)).toBe(d);
    expect([...truncateCounts(loadCountDistribution(), 9).weights.keys()]).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(() => truncateCounts(loadCountDistribution(), 16)).toThrow(CountSpecError);
    expect(() => truncateCounts(loadCountDistribution(), 5, 3)).toThrow(/below/);
    const u = loadCountDistribution("uniform:2-6");
    expect([...countShares(u).values()]).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(() => loadCountDistribution("uniform:6-2")).toThrow(CountSpecError);
    expect(() => loadCountDistribution("uniform:0-2")).toThrow(CountSpecError);
    expect(() => loadCountDistribution("uniform2-6")).toThrow(CountSpecError);
    expect(() => loadCountDistribution("no/such/file.json")).toThrow(CountSpecError);
  });

  it("reads a distribution from a JSON file (counts or by_constraints_num) or a TRACE JSONL file", () => {
    const dir = tmp();
    const a = join(dir, "a.json");
    writeFileSync(a, JSON.stringify({ counts: { "3": 1, "1": 3, "2": 0 }, source: "mine" }));
    const da = loadCountDistribution(a);
    expect([...da.weights]).toEqual([
      [1, 3],
      [3, 1],
    ]);
    expect(da.source).toBe("mine");
    const b = join(dir, "b.json");
    writeFileSync(b, JSON.stringify({ n: 2, by_constraints_num: { "2": 5 } }));
    expect([...loadCountDistribution(b).weights]).toEqual([[2, 5]]);
    const c = join(dir, "c.jsonl");
    writeFileSync(c, '{"constraints_splits": ["a", "b"]}\n{"constraints_num": 4}\n{"constraints_num": 2}\n');
    expect([...loadCountDistribution(c).weights]).toEqual([
      [2, 2],
      [4, 1],
    ]);
    const one = join(dir, "one.jsonl");
    writeFileSync(one, '{"constraints_num": 3}\n');
    expect([...loadCountDistribution(one).weights]).toEqual([[3, 1]]);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ counts: { "0": 1 } }));
    expect(() => loadCountDistribution(bad)).toThrow(DataError);
    expect(() => loadCountDistribution(bad)).toThrow(/bad\.json: field "counts\.0": expected a count >= 1/);
    writeFileSync(bad, JSON.stringify({ counts: { "2": -1 } }));
    expect(() => loadCountDistribution(bad)).toThrow(/non-negative/);
    writeFileSync(bad, JSON.stringify({ counts: {} }));
    expect(() => loadCountDistribution(bad)).toThrow(/no count has a positive weight/);
  });

  it("compares shares, means and total variation distance (hand-computed)", () => {
    const data = countsOf("data", { "1": 1, "2": 3 });
    const ref = countsOf("ref", { "2": 1, "3": 1 });
    const c = compareCounts(data, ref);
    expect(c.rows.map((r) => [r.constraints, r.data_share, r.reference_share])).toEqual([
      [1, 0.25, 0],
      [2, 0.75, 0.5],
      [3, 0, 0.5],
    ]);
    expect(c.data_mean).toBeCloseTo(1.75, 12);
    expect(c.reference_mean).toBeCloseTo(2.5, 12);
    // TV = (|0.25 - 0| + |0.75 - 0.5| + |0 - 0.5|) / 2 = 0.5
    expect(c.total_variation).toBeCloseTo(0.5, 12);
    expect(compareCounts(ref, ref).total_variation).toBe(0);
  });
});

describe("CLI: --constraint-counts and stats --compare", () => {
  it("stats --compare paper-train puts the file's shares beside Table 2's, with means and the distance", () => {
    const r = runCli(["stats", "--compare", "paper-train"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/constraints per instruction: this file vs paper-train/);
    expect(r.stdout).toMatch(/^ {2}1 +200 +19\.2% +991 +0\.8%$/m);
    expect(r.stdout).toMatch(/^mean +4\.88 +4\.36$/m);
    expect(r.stdout).toMatch(/total variation distance 0\.\d{3}/);
    const j = JSON.parse(runCli(["stats", "--json", "--compare", "paper-eval"]).stdout);
    expect(j.n).toBe(1042);
    expect(j.compare.reference).toBe("paper-eval");
    expect(j.compare.reference_mean).toBeCloseTo(5098 / 1042, 9);
    // the released file differs from Table 2's evaluation row by a few items per count
    expect(j.compare.total_variation).toBeGreaterThan(0);
    expect(j.compare.total_variation).toBeLessThan(0.02);
    const bad = runCli(["stats", "--compare", "uniform:9-1"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--compare: uniform:9-1/);
  });

  it("trace build/expand refuse a bad distribution or an empty truncation before any call", () => {
    const dir = tmp();
    const input = join(dir, "seeds.jsonl");
    writeFileSync(input, '{"instruction": "Write a poem."}\n');
    const base = ["trace", "expand", "--input", input, "--output", join(dir, "o.jsonl")];
    const llm = ["--base-url", "http://127.0.0.1:9/v1", "--model", "m"];
    const r = runCli([...base, ...llm, "--constraint-counts", "triangle"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--constraint-counts: triangle: not a distribution/);
    const t = runCli([...base, ...llm, "--min-constraints", "16"]);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/paper-train has no count in \[16/);
    const help = runCli(["trace", "build", "--help"]).stdout;
    expect(help).toMatch(/--constraint-counts <spec>/);
    expect(help).toMatch(/default: "paper-train"/);
  });
});
