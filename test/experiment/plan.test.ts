import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { resolveMethods } from "../../src/experiment/methods.js";
import { DEMO_PLAN, deepMerge, loadPlan } from "../../src/experiment/plan.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-plan-"));
function planFile(text: string): string {
  const f = join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
}

describe("experiment plan", () => {
  it("the shipped demo plan resolves: three seeds, the world, ten methods, paths absolute", () => {
    const p = loadPlan(DEMO_PLAN);
    expect(p.seeds).toEqual([1, 2, 3]);
    expect(p.model.base).toBe("world");
    expect(p.data.world?.max_constraints).toBeLessThan(p.data.world!.eval_max_constraints);
    expect(resolveMethods(p.methods, p.source).map((m) => m.id)).toEqual([
      "sft_continued",
      "dpo",
      "iopo",
      "iopo_star",
      "iopo_input_only",
      "iopo_output_only",
      "simpo",
      "orpo",
      "dpo_star",
      "sft_star",
    ]);
  });

  it("--quick merges the quick: block over the plan; --seeds overrides both", () => {
    const q = loadPlan(DEMO_PLAN, { quick: true });
    expect(q.seeds).toEqual([1]);
    expect(q.quick).toBe(true);
    expect((q.train as { max_steps: number }).max_steps).toBeLessThan(
      (loadPlan(DEMO_PLAN).train as { max_steps: number }).max_steps,
    );
    // keys the quick block does not mention keep the plan's values
    expect((q.train as { learning_rate: number }).learning_rate).toBe(
      (loadPlan(DEMO_PLAN).train as { learning_rate: number }).learning_rate,
    );
    expect(loadPlan(DEMO_PLAN, { quick: true, seeds: 2 }).seeds).toEqual([1, 2]);
  });

  it("deepMerge replaces scalars and arrays and merges mappings", () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  it("errors name the file, the line and the key path", () => {
    const f = planFile(
      [
        "name: x",
        "model:",
        "  base: ./m",
        "data:",
        "  source: files",
        "  files: { sft: a.jsonl }",
        "sft: {}",
        "methods: [dpo]",
        "eval:",
        "  batch_size: -3",
      ].join("\n"),
    );
    expect(() => loadPlan(f)).toThrow(DataError);
    expect(() => loadPlan(f)).toThrow(new RegExp(`${f}:10: field "eval.batch_size"`));
  });

  it("rejects plans that cannot run, saying why", () => {
    const base = ["model:", "  base: ./m", "data:", "  source: files", "  files: { sft: a.jsonl }", "methods: [dpo]"];
    expect(() => loadPlan(planFile(base.join("\n")))).toThrow(/SFT stage's settings/);
    expect(() => loadPlan(planFile([...base, "sft: {}"].join("\n")))).toThrow(
      /world judge checks world instructions only/,
    );
    expect(() => loadPlan(planFile([...base, "sft: {}", "eval:", "  trace: { judge: llm }"].join("\n")))).toThrow(
      /judge_model/,
    );
    expect(() =>
      loadPlan(
        planFile(
          [
            ...base.slice(0, 5),
            "methods: [dpo, dpo]",
            "sft: {}",
            "eval: { trace: { judge: llm, judge_model: j } }",
          ].join("\n"),
        ),
      ),
    ).not.toThrow();
    const p = loadPlan(
      planFile(
        [...base.slice(0, 5), "methods: [dpo, dpo]", "sft: {}", "eval: { trace: { judge: llm, judge_model: j } }"].join(
          "\n",
        ),
      ),
    );
    expect(() => resolveMethods(p.methods, p.source)).toThrow(/duplicate row id "dpo"/);
    expect(() => resolveMethods(["dop"], "plan.yaml")).toThrow(/unknown method "dop"; known: sft_continued, dpo/);
    expect(() => loadPlan(dir)).toThrow(/is a directory/);
    expect(() => loadPlan(join(dir, "missing.yaml"))).toThrow(/plan file not found/);
  });

  it("resolves relative paths against the plan file's folder", () => {
    const f = planFile(
      [
        "model: { base: ./models/qwen }",
        "data: { source: files, files: { sft: data/sft.jsonl } }",
        "sft: {}",
        "methods: [iopo]",
        "eval: { trace: { judge: llm, judge_model: gpt-4o } }",
      ].join("\n"),
    );
    const p = loadPlan(f);
    expect(p.model.base).toBe(join(dir, "models", "qwen"));
    expect(p.data.files?.sft).toBe(join(dir, "data", "sft.jsonl"));
  });
});
