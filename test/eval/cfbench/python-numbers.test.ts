import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { npMean, npPairwiseSum, pyFloat, pyRound } from "../../../src/eval/cfbench/python-numbers.js";

// Reference values printed by CPython 3 + NumPy (round(x, 2), round(x), np.mean, round(np.mean, 2)) for fixed
// inputs; generated once at development time, see the test file history. Python is not needed to run the tests.
const ref = JSON.parse(readFileSync(new URL("./python-reference.json", import.meta.url), "utf8")) as {
  round: [number, number, number][];
  mean: [number[], number, number][];
};

describe("Python numerics used by the CFBench scorer", () => {
  it("round(x, 2) and round(x) match CPython, including ties to even on exact binary values", () => {
    for (const [x, r2, r0] of ref.round) {
      expect(pyRound(x, 2)).toBe(r2);
      expect(pyRound(x, 0)).toBe(r0);
    }
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.675, 2)).toBe(2.67);
  });

  it("np.mean matches NumPy's pairwise summation bit for bit", () => {
    for (const [a, m, r] of ref.mean) {
      expect(npMean(a)).toBe(m);
      expect(pyRound(npMean(a), 2)).toBe(r);
    }
  });

  it("pairwise summation differs from a plain loop on some inputs (so the port matters)", () => {
    const a = Array.from({ length: 1000 }, (_, i) => [0.67, 0.33, 0.83, 0.1][i % 4]);
    let plain = 0;
    for (const v of a) plain += v;
    expect(npPairwiseSum(a)).not.toBe(plain);
  });

  it("float() accepts Python's literals and rejects the rest", () => {
    expect(pyFloat(" 1\n")).toBe(1);
    expect(pyFloat("0.0")).toBe(0);
    expect(pyFloat("1e0")).toBe(1);
    expect(pyFloat("+1.")).toBe(1);
    expect(pyFloat("1_0")).toBe(10);
    expect(Number.isNaN(pyFloat("nan"))).toBe(true);
    expect(pyFloat("１")).toBe(1); // full-width digits, as Python
    expect(pyFloat("٣")).toBe(3);
    expect(pyFloat("０.５")).toBe(0.5);
    expect(() => pyFloat("1分")).toThrow();
    expect(() => pyFloat("")).toThrow();
    expect(() => pyFloat("一")).toThrow();
  });
});
