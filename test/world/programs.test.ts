import { describe, expect, it } from "vitest";
import { followedAllTen, parseTraceJudge } from "../../src/judge/parse-trace-judge.js";
import type { StageContext } from "../../src/stages/stage.js";
import { expandStage, parseExpansion } from "../../src/trace/expand.js";
import {
  completenessStage,
  completenessVerdict,
  consistencyStage,
  consistencyVerdict,
  faithfulnessStage,
  faithfulnessVerdict,
  redundancyStage,
  redundancyVerdict,
} from "../../src/trace/filter.js";
import { judgeStage } from "../../src/trace/judge.js";
import { respondStage } from "../../src/trace/respond.js";
import { parseSkip, parseStructured, structureStage } from "../../src/trace/structure.js";
import { checkAll, KIND_DIMENSION, parseConstraint } from "../../src/world/constraint.js";
import { generateInstruction, generateSeeds } from "../../src/world/generator.js";
import { parseProse, renderProse, toStructured } from "../../src/world/instruction.js";
import { ProgramChatModel } from "../../src/world/programs/program.js";
import { ruleJudgeProgram } from "../../src/world/programs/rule-judge.js";
import { respond } from "../../src/world/responder.js";
import { WorldChatModel } from "../../src/world/world-chat-model.js";

const ctx: StageContext = { lang: "en", seed: 42 };
const clean = new WorldChatModel("constructor", {
  contradictionRate: 0,
  structurerSlipRate: 0,
  responderErrorRate: 0,
});
const ask = async (model: WorldChatModel, req: Parameters<WorldChatModel["chat"]>[0]) => (await model.chat(req)).text;

describe("the world facade", () => {
  it("names its role and rejects prompts no pipeline template rendered, quoting their start", async () => {
    expect(new WorldChatModel("judge").id).toBe("world:judge");
    const prompt = `Tell me a joke about ${"x".repeat(200)}`;
    await expect(clean.chat({ messages: [{ role: "user", content: prompt }] })).rejects.toThrow(
      JSON.stringify(prompt.slice(0, 80)),
    );
    // The respond stage's shape with a non-world instruction: recognised, but refused clearly.
    await expect(
      clean.chat({
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "Write a poem.\n1. Rhyme.\n" },
        ],
      }),
    ).rejects.toThrow(/world:respond: not a world instruction/);
    // A world task with a constraint line the world does not know: answered, following the known ones.
    const text = await ask(clean, {
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "List some fruits.\n1. Be witty.\n2. List exactly 2 items.\n" },
      ],
    });
    expect(text.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(2);
  });

  it.each(["en", "zh"] as const)(
    "answers every %s stage prompt in its output format, read by the pipeline's own parsers",
    async (lang) => {
      const ctx: StageContext = { lang, seed: 42 };
      for (const [i, seed] of generateSeeds(30, 7).entries()) {
        const row = { id: seed.id, instruction: seed.instruction };
        const expanded = await ask(clean, expandStage().request(row, ctx));
        const parsed = parseExpansion(expanded);
        expect(parsed, expanded).toBeDefined();
        const ins = parseProse(parsed!.result)!;
        expect(ins, parsed!.result).toBeDefined();
        expect(ins.constraints.length).toBeGreaterThanOrEqual(1);

        const structured = parseStructured(
          await ask(clean, structureStage().request({ ...row, expanded_instruction: parsed!.result }, ctx)),
        );
        expect(typeof structured).toBe("object");
        if (typeof structured === "string") continue;
        expect(structured.constraints_splits.map(parseConstraint)).toEqual(ins.constraints);
        const srow = { id: `r${i}`, expanded_instruction: parsed!.result, ...structured };
        expect(completenessVerdict(await ask(clean, completenessStage().request(srow, ctx)))).toBe("pass");
        expect(redundancyVerdict(await ask(clean, redundancyStage().request(srow, ctx)))).toBe("pass");
        expect(faithfulnessVerdict(await ask(clean, faithfulnessStage().request(srow, ctx)))).toBe("pass");
        expect(consistencyVerdict(await ask(clean, consistencyStage().request(srow, ctx)))).toBe("pass");

        const response = await ask(clean, respondStage().request(srow, ctx));
        expect(checkAll(ins.constraints, response).every((r) => r.ok)).toBe(true);
        const verdict = parseTraceJudge(
          await ask(clean, judgeStage().request({ ...srow, response }, ctx)),
          ins.constraints.length,
        );
        expect(verdict.parse_error).toBeUndefined();
        expect(followedAllTen(verdict, ins.constraints.length)).toBe(true);
        expect(verdict.overall).toBe(10);
      }
    },
  );

  it("expands toward the suggested dimensions where the world has a kind for them", async () => {
    let hits = 0;
    let possible = 0;
    for (const seed of generateSeeds(40, 3)) {
      const req = expandStage().request({ id: seed.id, instruction: seed.instruction }, ctx);
      const dims = /Prefer these dimensions: (.*)\. Choose/.exec(req.messages[0].content)![1].split(", ");
      const ins = parseProse(parseExpansion(await ask(clean, req))!.result)!;
      const got = new Set(ins.constraints.map((c) => KIND_DIMENSION[c.kind]));
      for (const d of dims) {
        if (!Object.values(KIND_DIMENSION).includes(d)) continue;
        possible++;
        if (got.has(d)) hits++;
      }
    }
    expect(possible).toBeGreaterThan(20);
    expect(hits / possible).toBeGreaterThan(0.9);
  });
});

describe("a single program as a ChatModel", () => {
  it("answers its own stage only", async () => {
    const judge = new ProgramChatModel(ruleJudgeProgram);
    expect(judge.id).toBe("world:judge");
    const ins = generateInstruction("single", 3);
    const row = { id: "s", ...toStructured(ins), response: respond(ins, "s").text };
    const reply = await judge.chat(judgeStage().request(row, ctx));
    expect(parseTraceJudge(reply.text, 3).scores).toEqual([10, 10, 10]);
    expect(reply.usage.prompt_tokens).toBeGreaterThan(100);
    await expect(judge.chat(expandStage().request({ id: "s", instruction: "List some fruits." }, ctx))).rejects.toThrow(
      /world:judge: not a judge prompt: "You are an expert/,
    );
  });
});

describe("the quality-control judges", () => {
  type Row = ReturnType<typeof toStructured> & { id: string; expanded_instruction: string };
  const structuredRow = (ins: ReturnType<typeof generateInstruction>, edit: (r: Row) => Partial<Row> = () => ({})) => {
    const s = { id: "q", expanded_instruction: renderProse(ins), ...toStructured(ins) };
    const r = { ...s, ...edit(s) };
    return { ...r, constraints: r.constraints_splits.join("\n"), constraints_num: r.constraints_splits.length };
  };
  const withInput = (key: string, n: number) => {
    for (let k = 0; ; k++) {
      const ins = generateInstruction(`${key}-${k}`, n);
      if (ins.task.pool) return ins;
    }
  };

  it("completeness (B.3) judges one structured instruction: Incomplete when its input is missing", async () => {
    for (let i = 0; i < 20; i++) {
      const ins = withInput(`qc-in-${i}`, 1 + (i % 4));
      const verdict = async (row: ReturnType<typeof structuredRow>) =>
        completenessVerdict(await ask(clean, completenessStage().request(row, ctx)));
      expect(await verdict(structuredRow(ins))).toBe("pass");
      expect(await verdict(structuredRow(ins, () => ({ input: "NULL" })))).toBe("fail");
      // Losing a constraint leaves a complete (smaller) instruction: not the completeness judge's business.
      if (ins.constraints.length >= 2) {
        const drop = structuredRow(ins, (r) => ({ constraints_splits: r.constraints_splits.slice(0, -1) }));
        expect(await verdict(drop)).toBe("pass");
        expect(faithfulnessVerdict(await ask(clean, faithfulnessStage().request(drop, ctx)))).toBe("fail");
      }
    }
  });

  it("redundancy (B.4): a requirement in both the task description and the constraints is Redundant", async () => {
    for (let i = 0; i < 30; i++) {
      const ins = generateInstruction(`qc-red-${i}`, 1 + (i % 5));
      const echo = structuredRow(ins, (r) => ({
        description: `${r.description} ${r.constraints_splits[0].replace(/^1\. /, "")}`,
      }));
      expect(redundancyVerdict(await ask(clean, redundancyStage().request(echo, ctx)))).toBe("fail");
      expect(redundancyVerdict(await ask(clean, redundancyStage().request(structuredRow(ins), ctx)))).toBe("pass");
      expect(completenessVerdict(await ask(clean, completenessStage().request(echo, ctx)))).toBe("pass");
    }
  });

  it("the structurer skips every deliberately contradictory instruction (B.2); consistent ones are split", async () => {
    for (let i = 0; i < 40; i++) {
      const bad = generateInstruction(`contra-${i}`, 2 + (i % 5), { contradiction: true });
      const good = generateInstruction(`good-${i}`, 1 + (i % 5));
      const split = async (ins: typeof bad) =>
        ask(clean, structureStage().request({ id: "s", expanded_instruction: renderProse(ins) }, ctx));
      expect(parseSkip(await split(bad))).toMatch(/contradictory/);
      const out = structureStage().parse(await split(bad), { id: "s" }, ctx);
      expect(out.kind === "reject" && out.reason).toBe("skipped");
      expect(parseSkip(await split(good))).toBeUndefined();
    }
  });

  it("consistency (optional, not in the paper): contradictory or repeated constraints are Inconsistent", async () => {
    for (let i = 0; i < 40; i++) {
      const bad = generateInstruction(`contra-${i}`, 2 + (i % 5), { contradiction: true });
      const good = generateInstruction(`good-${i}`, 2 + (i % 5));
      expect(consistencyVerdict(await ask(clean, consistencyStage().request(structuredRow(bad), ctx)))).toBe("fail");
      expect(consistencyVerdict(await ask(clean, consistencyStage().request(structuredRow(good), ctx)))).toBe("pass");
      // The paper's redundancy judge does not look at constraint pairs.
      expect(redundancyVerdict(await ask(clean, redundancyStage().request(structuredRow(bad), ctx)))).toBe("pass");
    }
    const dup = generateInstruction("dup", 3);
    dup.constraints.push(dup.constraints[0]);
    expect(consistencyVerdict(await ask(clean, consistencyStage().request(structuredRow(dup), ctx)))).toBe("fail");
  });

  it("faithfulness (optional, not in the paper): a dropped or invented constraint is Unfaithful", async () => {
    for (let i = 0; i < 20; i++) {
      const ins = generateInstruction(`qc-${i}`, 3);
      const f = async (row: ReturnType<typeof structuredRow>) =>
        faithfulnessVerdict(await ask(clean, faithfulnessStage().request(row, ctx)));
      expect(await f(structuredRow(ins))).toBe("pass");
      expect(await f(structuredRow(ins, (r) => ({ constraints_splits: r.constraints_splits.slice(0, -1) })))).toBe(
        "fail",
      );
      const invented = structuredRow(ins, () => ({
        expanded_instruction: renderProse({ ...ins, constraints: ins.constraints.slice(1) }),
      }));
      expect(await f(invented)).toBe("fail");
    }
  });
});

describe("the rule judge", () => {
  it("scores each constraint 10 or 0 exactly as the checkers do, readable by the tolerant parser", async () => {
    let zeros = 0;
    for (let i = 0; i < 100; i++) {
      const ins = generateInstruction(`j-${i}`, 1 + (i % 7));
      const other = generateInstruction(`j-other-${i}`, 4);
      // Judge a response written for another instruction: a realistic mix of passes and failures.
      const response = respond({ task: ins.task, constraints: other.constraints }, "x").text;
      const row = { id: "j", ...toStructured(ins), response };
      const p = parseTraceJudge(await ask(clean, judgeStage().request(row, ctx)), ins.constraints.length);
      const expected = checkAll(ins.constraints, response).map((r) => (r.ok ? 10 : 0));
      expect(p.parse_error).toBeUndefined();
      expect(p.scores).toEqual(expected);
      expect(p.overall === 10).toBe(expected.every((s) => s === 10));
      zeros += expected.filter((s) => s === 0).length;
    }
    expect(zeros).toBeGreaterThan(50);
  });

  it("scores 0 a constraint line the world cannot read", async () => {
    const row = {
      id: "j",
      description: "List some fruits.",
      constraints_splits: ["1. Be witty.", "2. List exactly 1 item."],
      input: "NULL",
      response: "- Apple",
    };
    const p = parseTraceJudge(await ask(clean, judgeStage().request(row, ctx)), 2);
    expect(p.scores).toEqual([0, 10]);
  });
});

describe("error rates", () => {
  it("the responder breaks one constraint in about the configured share of answers", async () => {
    const sloppy = new WorldChatModel("constructor", { responderErrorRate: 0.3 });
    let wrong = 0;
    const n = 300;
    for (let i = 0; i < n; i++) {
      const ins = generateInstruction(`e-${i}`, 3);
      const text = await ask(sloppy, respondStage().request({ id: "e", ...toStructured(ins) }, ctx));
      if (checkAll(ins.constraints, text).some((r) => !r.ok)) wrong++;
    }
    expect(wrong / n).toBeGreaterThan(0.2);
    expect(wrong / n).toBeLessThan(0.4);
  });
});
