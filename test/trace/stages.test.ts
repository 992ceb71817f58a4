import { describe, expect, it } from "vitest";
import { parseExpansion } from "../../src/trace/expand.js";
import {
  completenessVerdict,
  consistencyVerdict,
  faithfulnessVerdict,
  filterStages,
  parseTag,
  redundancyVerdict,
} from "../../src/trace/filter.js";
import { COMPLETENESS_EN } from "../../src/trace/prompts/completeness.en.js";
import { COMPLETENESS_ZH } from "../../src/trace/prompts/completeness.zh.js";
import { REDUNDANCY_EN } from "../../src/trace/prompts/redundancy.en.js";
import { STRUCTURE_EN } from "../../src/trace/prompts/structure.en.js";
import { STRUCTURE_ZH } from "../../src/trace/prompts/structure.zh.js";
import { parseSkip, parseStructured, structureStage } from "../../src/trace/structure.js";

describe("expansion parser (B.1)", () => {
  it("reads <result>, tolerating a missing closing tag, and keeps <explain>", () => {
    expect(parseExpansion("<explain>why</explain>\n<result>\nDo X.\n1. a\n</result>")).toEqual({
      explain: "why",
      result: "Do X.\n1. a",
    });
    expect(parseExpansion("<RESULT>truncated reply")?.result).toBe("truncated reply");
    expect(parseExpansion("no tags at all")).toBeUndefined();
    expect(parseExpansion("<result>  </result>")).toBeUndefined();
  });
});

describe("structure parser (B.2)", () => {
  it("reads the three sections; NULL and missing input become NULL", () => {
    const s = parseStructured("#Task Description: Write a poem.\n#Constraints:\n1. 4 lines\n2. rhyme\n#Input: NULL");
    expect(s).toEqual({
      description: "Write a poem.",
      constraints: "1. 4 lines\n2. rhyme",
      constraints_splits: ["1. 4 lines", "2. rhyme"],
      constraints_num: 2,
      input: "NULL",
    });
    const noInput = parseStructured("#Task Description: T\n#Constraints:\n1. c");
    expect(typeof noInput !== "string" && noInput.input).toBe("NULL");
    const none = parseStructured("#Task Description: T\n#Constraints:\n1. c\n#Input: 无");
    expect(typeof none !== "string" && none.input).toBe("NULL");
  });

  it("tolerates bold, full-width colons, Chinese headings, multi-line input and bullets", () => {
    const s = parseStructured(
      "**#Task Description：** 总结下文\n# 约束:\n- 不超过50字\n- 用正式语气\n\n#Input:\n第一行\n第二行",
    );
    expect(s).toMatchObject({
      description: "总结下文",
      constraints_splits: ["不超过50字", "用正式语气"],
      input: "第一行\n第二行",
    });
  });

  it("turns [dimension] tags into levels2 labels and strips them from the constraint text", () => {
    const s = parseStructured(
      "#Task Description: T\n#Constraints:\n1. at most 50 words [Numerical]\n2. 使用正式语气【语气风格约束】\n3. use the [title] format\n#Input: NULL",
    );
    expect(s).toMatchObject({
      constraints_splits: ["1. at most 50 words", "2. 使用正式语气", "3. use the [title] format"],
      levels2: ["数值约束", "语气风格约束", ""],
    });
    const untagged = parseStructured("#Task Description: T\n#Constraints:\n1. c\n#Input: NULL");
    expect(typeof untagged !== "string" && untagged.levels2).toBeUndefined();
  });

  it("returns a reason for unusable replies", () => {
    expect(parseStructured("Sure, here it is")).toMatch(/Task Description/);
    expect(parseStructured("#Task Description: T\n#Input: x")).toMatch(/Constraints/);
    expect(parseStructured("#Task Description: T\n#Constraints:\n#Input: x")).toMatch(/no constraint/);
  });
});

describe("quality-control verdicts (B.3, B.4)", () => {
  it("reads <tag>: verdicts in several spellings, taking the last one", () => {
    expect(parseTag("<explain>..</explain>\n<tag>: Complete")).toBe("complete");
    expect(parseTag("<tag>Incomplete</tag>")).toBe("incomplete");
    expect(parseTag("**<tag>**: Not Redundant.")).toBe("not redundant");
    expect(parseTag("format: <tag>: Complete or <tag>: Incomplete\n\n<tag>: Incomplete")).toBe("incomplete");
    expect(parseTag("tag: complete")).toBe("complete");
    expect(parseTag("nothing")).toBeUndefined();
  });

  it("maps verdicts to pass / fail / unreadable", () => {
    expect(completenessVerdict("<tag>: Complete")).toBe("pass");
    expect(completenessVerdict("<tag>: Incomplete")).toBe("fail");
    expect(completenessVerdict("<tag>: 完整")).toBe("pass");
    expect(completenessVerdict("<tag>: maybe")).toBeUndefined();
    expect(redundancyVerdict("<tag>: Redundant")).toBe("fail");
    expect(redundancyVerdict("<tag>: Not Redundant")).toBe("pass");
    expect(redundancyVerdict("<tag>: Non-redundant")).toBe("pass");
    expect(redundancyVerdict("<tag>: 冗余")).toBe("fail");
    expect(redundancyVerdict("")).toBeUndefined();
  });
});

describe("decision rules of the paper's structuring and quality-control prompts (appendix B.2-B.4)", () => {
  const slots = (t: string) => [...t.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);

  it("B.2: the structurer skips a poor, incomplete or contradictory instruction (#Skip: reason -> reject)", () => {
    for (const t of [STRUCTURE_EN.text, STRUCTURE_ZH.text]) expect(t).toContain("#Skip: <");
    expect(STRUCTURE_EN.text).toMatch(/poor quality, incomplete .* or contradictory/);
    expect(STRUCTURE_EN.text).toMatch(/No piece of information may appear in two parts/);
    expect(parseSkip("#Skip: two constraints contradict each other")).toBe("two constraints contradict each other");
    expect(parseSkip("**#Skip**：指令自相矛盾")).toBe("指令自相矛盾");
    expect(parseSkip("Skip: poor")).toBe("poor");
    expect(parseSkip("#Task Description: T\n#Constraints:\n1. c\n#Input: NULL")).toBeUndefined();
    // a constraint that mentions skipping does not make a split reply a skip
    expect(parseSkip("#Task Description: T\n#Constraints:\n1. Skip: the intro\n#Input: NULL")).toBeUndefined();
    const out = structureStage().parse("#Skip: contradictory", { id: "x" }, { lang: "en", seed: 0 });
    expect(out).toEqual({ kind: "reject", reason: "skipped", detail: { why: "contradictory" } });
  });

  it("B.3: completeness judges one structured instruction (no original), description against input", () => {
    expect(slots(COMPLETENESS_EN.text)).toEqual(["structured"]);
    expect(slots(COMPLETENESS_ZH.text)).toEqual(["structured"]);
    expect(COMPLETENESS_EN.text).toMatch(/refer to .* is given in the input/);
    expect(COMPLETENESS_EN.text).not.toMatch(/original/i);
  });

  it("B.4: redundancy is the same information in the task description and the constraints", () => {
    expect(slots(REDUNDANCY_EN.text)).toEqual(["structured"]);
    expect(REDUNDANCY_EN.text).toMatch(/both in the task description and among the constraints/);
    expect(REDUNDANCY_EN.text).not.toMatch(/contradict/i);
  });

  it("the extra checks are optional stages, off by default", () => {
    expect(filterStages().map((s) => s.name)).toEqual(["filter_complete", "filter_redundant"]);
    expect(filterStages({ faithfulness: true, consistency: true }).map((s) => s.name)).toEqual([
      "filter_complete",
      "filter_redundant",
      "filter_faithfulness",
      "filter_consistency",
    ]);
    expect(consistencyVerdict("<tag>: Inconsistent")).toBe("fail");
    expect(consistencyVerdict("<tag>: Consistent")).toBe("pass");
    expect(consistencyVerdict("<tag>: 不一致")).toBe("fail");
    expect(faithfulnessVerdict("<tag>: Unfaithful")).toBe("fail");
    expect(faithfulnessVerdict("<tag>: Faithful")).toBe("pass");
    expect(faithfulnessVerdict("<tag>: perhaps")).toBeUndefined();
  });
});
