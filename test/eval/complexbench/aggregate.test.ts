import { describe, expect, it } from "vitest";
import { aggregateComplexbench, applyDependencies } from "../../../src/eval/complexbench/aggregate.js";
import { records } from "./fixtures.js";

// Verdicts per record (rule questions included): the hand-computed case of the fixtures.
const verdicts = [
  [true, false, true],
  [false, true, true],
  [true, true],
  [false, true],
  [true, true, 2 as const],
];

describe("ComplexBench dependency masking", () => {
  it("masks through direct dep only (no transitive chain)", () => {
    expect(applyDependencies(records[1], verdicts[1])).toEqual([false, false, true]);
    expect(applyDependencies(records[3], verdicts[3])).toEqual([false, false]);
  });
  it("a 2 (unknown rule) neither masks nor is masked by true deps", () => {
    expect(applyDependencies(records[4], verdicts[4])).toEqual([true, true, 2]);
  });
});

describe("ComplexBench DRFR and breakdowns (upstream aggregation)", () => {
  const m = aggregateComplexbench(records.map((record, i) => ({ record, verdicts: verdicts[i] })));
  it("overall DRFR is the micro average of masked verdicts, 2 counting as not followed", () => {
    // true after masking: 2 + 1 + 2 + 0 + 2 = 7 of 13
    expect(m.overall_drfr).toBeCloseTo(7 / 13, 15);
    expect(m.questions).toBe(13);
    expect(m.followed).toBe(7);
    expect(m.unknown_rule_verdicts).toBe(1);
  });
  it("per category, category prefix, task type and sorted composition set", () => {
    expect(m.categorized_drfr).toEqual({ And_1: 2 / 3, Chain_2: 1 / 3, Selection_1: 0.5, Selection_2: 2 / 3 });
    expect(m.categorized_avg_drfr).toEqual({ And: 2 / 3, Chain: 1 / 3, Selection: 4 / 7 });
    expect(m.task_types_drfr["Professional Writing"]).toBe(0.5);
    expect(m.nested_methods_drfr).toEqual({ And: 2 / 3, Chain: 1 / 3, Selection: 0.5, And_Selection: 2 / 3 });
  });
  it("per constraint type/dimension and per question composition, where 2 is truthy", () => {
    const t = m.constraint_types_and_composition_types_acc;
    expect(t.Structure).toBe(0.5); // Length: F, T, F(masked), 2
    expect(t.Lexical).toBe(1);
    expect(t.Semantic).toBe(1);
    expect(t.Utillity).toBeCloseTo(1 / 3, 15);
    expect(t.And).toBeCloseTo(2 / 3, 15);
    expect(t.Chain).toBeCloseTo(1 / 3, 15);
    expect(t.Selection).toBe(0.75);
    expect(m.each_constraint_dimensions_and_composition_types_acc.Length).toBe(0.5);
  });
  it("coherent test: single and multiple Selection groups", () => {
    expect(m.single_origin_test).toBe(0.5);
    expect(m.single_coherent_test).toBe(0);
    expect(m.single_relative_drop).toBe(1);
    expect(m.multiple_origin_test).toBe(1);
    expect(m.multiple_coherent_test).toBe(1);
    expect(m.multiple_relative_drop).toBe(0);
  });
});

/**
 * 120 random records with verdicts (true / false / 2) and the masked verdicts and metrics that upstream's own
 * evaluation/aggregation.py (get_rely_judgment + aggregation, @82f175f) computed for them under CPython 3 at
 * development time. Python is not needed to run this test.
 */
describe("agreement with upstream aggregation.py on generated records", () => {
  it("reproduces masking, DRFR, every breakdown and the coherent test", async () => {
    const { readFileSync } = await import("node:fs");
    const ref = JSON.parse(readFileSync(new URL("./aggregation-reference.json", import.meta.url), "utf8"));
    ref.data.forEach((d: (typeof records)[number] & { point_judges: (boolean | 2)[] }, i: number) => {
      expect(applyDependencies(d, d.point_judges)).toEqual(ref.rely[i]);
    });
    const got = aggregateComplexbench(
      ref.data.map((d: { point_judges: (boolean | 2)[] }) => ({ record: d, verdicts: d.point_judges })),
    );
    for (const [key, want] of Object.entries(ref.metrics as Record<string, number | Record<string, number>>)) {
      const value = got[key as keyof typeof got];
      if (typeof want === "number") expect(value, key).toBeCloseTo(want, 14);
      else {
        const obj = value as Record<string, number>;
        expect(Object.keys(obj).sort(), key).toEqual(Object.keys(want).sort());
        for (const [k, v] of Object.entries(want)) expect(obj[k], `${key}.${k}`).toBeCloseTo(v, 14);
      }
    }
  });
});
