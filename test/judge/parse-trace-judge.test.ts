import { describe, expect, it } from "vitest";
import { followedAllTen, followedOverall, parseOverall, parseTraceJudge } from "../../src/judge/parse-trace-judge.js";
import { buildTraceJudgePrompt, numberConstraints } from "../../src/judge/trace-judge.js";

const wrap = (fine: string, overall = "[[10]]") =>
  `Explanation:\n1. ok, 得分10分。\n2. ok.\nFine Grained Score: ${fine}\nConstraints Overall Score: ${overall}`;

describe("parseTraceJudge", () => {
  it("reads the released format: list holding one object", () => {
    const p = parseTraceJudge(wrap('[{"密码至少8个字符": 10, "包含1个大写字母": 0}]', "[[5]]"), 2);
    expect(p.scores).toEqual([10, 0]);
    expect(p.keys).toEqual(["密码至少8个字符", "包含1个大写字母"]);
    expect(p.overall).toBe(5);
    expect(p.parse_error).toBeUndefined();
  });

  it.each([
    ["Chinese quotes", "[{“字数不超过100”: 10, “使用正式语气”: 10}]"],
    ["unescaped quotes inside keys", '[{"包含"春天"一词": 10, "标题用"《》"括起": 10}]'],
    ["trailing commas", '[{"a": 10, "b": 10,},]'],
    ["single quotes", "[{'a': 10, 'b': 10}]"],
    ["plain object", '{"a": 10, "b": 10}'],
    ["float scores", '[{"a": 10.0, "b": 10.00}]'],
    ["string scores", '[{"a": "10", "b": "10"}]'],
    ["full-width colon and comma", "[{“a”：10，“b”：10}]"],
    ["scores with 分", '[{"a": 10分, "b": 10分}]'],
    ["multi-line JSON", '[\n  {\n    "a": 10,\n    "b": 10\n  }\n]'],
    ["duplicate paraphrased keys", '[{"约束": 10, "约束": 10}]'],
    ["integer-like keys (order kept)", '[{"2": 10, "1": 10}]'],
    ["list of objects", '[{"a": 10}, {"b": 10}]'],
    ["bare list", "[10, 10]"],
  ])("tolerates %s", (_name, fine) => {
    const p = parseTraceJudge(wrap(fine), 2);
    expect(p.parse_error).toBeUndefined();
    expect(p.scores).toEqual([10, 10]);
    expect(followedAllTen(p, 2)).toBe(true);
  });

  it("matches constraints by order, not by key text", () => {
    const p = parseTraceJudge(wrap('[{"completely different words": 10, "another paraphrase": 3}]'), 2);
    expect(p.scores).toEqual([10, 3]);
    expect(followedAllTen(p, 2)).toBe(false);
  });

  it("reports fewer or more scores than constraints", () => {
    expect(parseTraceJudge(wrap('[{"a": 10}]'), 2).parse_error).toBe("1 scores for 2 constraints");
    expect(parseTraceJudge(wrap('[{"a": 10, "b": 10, "c": 10}]'), 2).parse_error).toBe("3 scores for 2 constraints");
    expect(followedAllTen(parseTraceJudge(wrap('[{"a": 10}]'), 2), 2)).toBe(false);
  });

  it("flags scores outside 0-10 and missing blocks, keeping the raw text", () => {
    const out = parseTraceJudge(wrap('[{"a": 85}]'), 1);
    expect(out.parse_error).toMatch(/outside 0-10/);
    const none = parseTraceJudge("I think it is fine. Constraints Overall Score: [[10]]", 1);
    expect(none.parse_error).toMatch(/no Fine Grained/);
    expect(none.overall).toBe(10);
    expect(none.raw).toContain("I think");
    expect(parseTraceJudge("", 1).parse_error).toBeDefined();
    expect(parseTraceJudge(undefined).raw).toBe("");
  });

  it("ignores the marker's name when the explanation mentions it after the block", () => {
    const text = `${wrap('[{"a": 10, "b": 0}]')}\nNote: the Fine Grained Score above is strict.`;
    expect(parseTraceJudge(text, 2).scores).toEqual([10, 0]);
    const before = `I will give the Fine Grained Score after the explanation.\n${wrap('[{"a": 10, "b": 10}]')}`;
    expect(parseTraceJudge(before, 2).scores).toEqual([10, 10]);
  });

  it("handles truncated output (unbalanced brackets)", () => {
    const p = parseTraceJudge('Fine Grained Score: [{"a": 10, "b": 0', 2);
    expect(p.scores).toEqual([10, 0]);
    expect(p.overall).toBeNull();
  });

  it("reads the overall score exactly like the released regex", () => {
    expect(parseOverall("Constraints Overall Score: [[7.5]]")).toBe(7.5);
    expect(parseOverall("Constraints Overall Score:\n  [[10]]")).toBe(10);
    expect(parseOverall("Constraints Overall Score：[[10]]")).toBeNull(); // full-width colon: not matched upstream
    expect(parseOverall("constraints overall score: [[10]]")).toBeNull(); // case-sensitive upstream
    expect(parseOverall("Constraints Overall Score: [[1.2.3]]")).toBeNull(); // float() would fail upstream
    expect(parseOverall("Constraints Overall Score: [[ 10 ]]")).toBeNull();
    expect(followedOverall(parseTraceJudge(wrap('[{"a": 0}]', "[[10]]"), 1))).toBe(true);
  });
});

describe("judge prompt", () => {
  it("numbers constraints unless they carry their own number, and fills every slot", () => {
    expect(numberConstraints(["写三段", "2. 用正式语气", "不要用表情"])).toBe(
      "1. 写三段\n2. 用正式语气\n3. 不要用表情",
    );
    for (const lang of ["en", "zh"] as const) {
      const prompt = buildTraceJudgePrompt({ query: "Q{{x}}", constraints: ["c1", "c2"], response: "R" }, lang);
      expect(prompt).toContain("< query >:\nQ{{x}}\n< constraints >:\n1. c1\n2. c2\n< response >:\nR\n");
      expect(prompt).toContain("Fine Grained Score:");
      expect(prompt).toContain("Constraints Overall Score: [[");
      expect(prompt).not.toMatch(/\{\{(query|constraints|response)\}\}/);
    }
  });

  it("the worked examples parse with our own parser", () => {
    for (const lang of ["en", "zh"] as const) {
      const prompt = buildTraceJudgePrompt({ query: "q", constraints: ["c"], response: "r" }, lang);
      const example = prompt.slice(prompt.indexOf("Explanation:"), prompt.indexOf("/* Input */"));
      const p = parseTraceJudge(example, 3);
      expect(p.parse_error).toBeUndefined();
      expect(p.overall).not.toBeNull();
    }
  });
});
