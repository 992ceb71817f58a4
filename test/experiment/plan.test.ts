import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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
  it("the shipped demo plan resolves: three seeds, the world, twelve methods, paths absolute", () => {
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
      "ppo",
      "grpo",
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

  it("--with-rl adds the ppo and grpo rows once, after the plan's own; the rollout rows read online:", () => {
    const ids = (p: ReturnType<typeof loadPlan>) => resolveMethods(p.methods, p.source).map((m) => m.id);
    // the shipped demo plan lists them already: --with-rl changes nothing there
    expect(ids(loadPlan(DEMO_PLAN)).slice(-2)).toEqual(["ppo", "grpo"]);
    expect(ids(loadPlan(DEMO_PLAN, { withRl: true }))).toEqual(ids(loadPlan(DEMO_PLAN)));
    const listed = planFile(
      "model: { base: world }\ndata: { source: world }\nsft: { max_steps: 1 }\nmethods: [grpo, dpo]\n" +
        "online: { num_generations: 4 }\nreward_model: { max_steps: 3 }\n",
    );
    const p = loadPlan(listed, { withRl: true });
    expect(ids(p)).toEqual(["grpo", "dpo", "ppo"]);
    expect(p.online).toEqual({ num_generations: 4 });
    expect(p.reward_model).toEqual({ max_steps: 3 });
    const specs = resolveMethods(p.methods, p.source);
    expect(specs.find((m) => m.id === "ppo")).toMatchObject({ method: "ppo", data: "prompts", label: "PPO" });
    // off the world, grpo's reward functions must be named
    const files = planFile(
      "model: { base: ./m }\ndata: { source: files, files: { sft: s.jsonl, eval_trace: e.jsonl } }\n" +
        "sft: { max_steps: 1 }\nmethods: [dpo, grpo]\n",
    );
    expect(() => loadPlan(files)).toThrow(/methods\.1.*grpo needs reward functions: set online\.reward_funcs/);
    expect(() => loadPlan(files)).toThrow(DataError);
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
    const base = [
      "model:",
      "  base: ./m",
      "data:",
      "  source: files",
      "  files: { sft: a.jsonl, eval_trace: e.jsonl }",
      "methods: [dpo]",
    ];
    expect(() => loadPlan(planFile(base.join("\n")))).toThrow(/SFT stage's settings/);
    const noEval = [...base.slice(0, 4), "  files: { sft: a.jsonl }", "methods: [dpo]", "sft: {}"];
    expect(() => loadPlan(planFile(noEval.join("\n")))).toThrow(
      /:5: field "data\.files\.eval_trace": nothing to evaluate: give data\.files\.eval_trace .* or a benchmark/,
    );
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
        "data: { source: files, files: { sft: data/sft.jsonl, eval_trace: data/eval.jsonl } }",
        "sft: {}",
        "methods: [iopo]",
        "eval: { trace: { judge: llm, judge_model: gpt-4o } }",
      ].join("\n"),
    );
    const p = loadPlan(f);
    expect(p.model.base).toBe(join(dir, "models", "qwen"));
    expect(p.data.files?.sft).toBe(join(dir, "data", "sft.jsonl"));
  });

  describe("benchmarks under eval:", () => {
    const head = [
      "model: { base: ./m }",
      "data: { source: files, files: { sft: a.jsonl } }",
      "sft: {}",
      "methods: [dpo]",
      "eval:",
    ];
    const bench = join(dir, "bench");
    mkdirSync(join(bench, "data"), { recursive: true });
    writeFileSync(
      join(bench, "data", "cf.json"),
      JSON.stringify([{ idx: 0, prompt: "p", split: "easy", criteria: [["c", "主需", ""]] }]),
    );
    const cb = { main_id: 0, instruction: "指令", scoring_questions: [{ question: "q", rule: null }] };
    writeFileSync(join(bench, "data", "cb.jsonl"), `${JSON.stringify(cb)}\n`);
    writeFileSync(
      join(bench, "data", "ife.jsonl"),
      `${JSON.stringify({ key: 1, prompt: "Hi.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] })}\n`,
    );
    const load = (...lines: string[]) => {
      const f = join(bench, `plan-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(f, [...head, ...lines].join("\n"));
      return () => loadPlan(f);
    };

    it("a plan of benchmarks only loads: paths resolved against the plan's folder, defaults filled in", () => {
      const p = load(
        "  ifeval:",
        "  cfbench: { data: data/cf.json, judge_model: gpt-4o, limit: 10 }",
        "  complexbench: { data: data/cb.jsonl, judge_model: gpt-4o, judge_base_url: http://127.0.0.1:9/v1 }",
      )();
      expect(p.eval.ifeval).toEqual({ max_new_tokens: 1280 });
      expect(p.eval.cfbench).toMatchObject({
        data: join(bench, "data", "cf.json"),
        limit: 10,
        max_new_tokens: 512,
        judge_temperature: 0.01,
        rounds: 10,
        parse: "upstream-exact",
        judge_concurrency: 8,
      });
      expect(p.eval.complexbench).toMatchObject({
        data: join(bench, "data", "cb.jsonl"),
        judge_temperature: 0,
        language: "zh",
        reask: 2,
      });
      expect(load("  ifeval: { input_data: data/ife.jsonl, limit: 2 }")().eval.ifeval).toEqual({
        input_data: join(bench, "data", "ife.jsonl"),
        limit: 2,
        max_new_tokens: 1280,
      });
    });

    it("errors name the plan file, the line and the key", () => {
      const at = (line: number, key: string) =>
        new RegExp(`plan-\\w+\\.yaml:${line}: field "${key.replace(/\./g, "\\.")}"`);
      expect(load("  cfbench: { data: data/cf.json }")).toThrow(at(6, "eval.cfbench.judge_model"));
      expect(load("  ifeval: { limit: 0 }")).toThrow(at(6, "eval.ifeval.limit"));
      expect(load("  ifeval:", "    limits: 3")).toThrow(at(7, "eval.ifeval"));
      expect(load("  complexbench:", "    data: data/cb.jsonl", "    judge_model: j", "    language: fr")).toThrow(
        at(9, "eval.complexbench.language"),
      );
      expect(load("  cfbench: { data: data/cf.json, judge_model: j, parse: loose }")).toThrow(
        at(6, "eval.cfbench.parse"),
      );
    });

    it("a missing or malformed data file stops the plan at load, before any training", () => {
      const missing = load("  ifeval: {}", "  cfbench:", "    judge_model: j", "    data: data/nope.json");
      expect(missing).toThrow(DataError);
      expect(missing).toThrow(
        new RegExp(`:9: field "eval\\.cfbench\\.data": file not found: ${join(bench, "data", "nope.json")}`),
      );
      expect(load("  ifeval: { input_data: data }")).toThrow(/:6: field "eval\.ifeval\.input_data": .* is a directory/);
      writeFileSync(
        join(bench, "data", "bad.json"),
        JSON.stringify([{ idx: 0, prompt: "p", split: "easy", criteria: [["c", "必需"]] }]),
      );
      expect(load("  cfbench: { data: data/bad.json, judge_model: j }")).toThrow(
        /bad\.json \(element 1\): field "criteria\.0"/,
      );
      expect(load("  complexbench: { data: data/cb.jsonl, judge_model: j, language: en }")).toThrow(
        /:6: field "eval\.complexbench\.language": language en needs instruction_en and question_en; .* main_id 0/,
      );
    });

    it("the world model cannot run benchmarks (its word-level tokenizer cannot read their prompts)", () => {
      const f = join(bench, "world.yaml");
      writeFileSync(
        f,
        [
          "model: { base: world }",
          "data: { source: world }",
          "sft: {}",
          "methods: [dpo]",
          "eval:",
          "  ifeval: {}",
        ].join("\n"),
      );
      expect(() => loadPlan(f)).toThrow(/world\.yaml:6: field "eval\.ifeval": the world model's word-level tokenizer/);
    });
  });
});
