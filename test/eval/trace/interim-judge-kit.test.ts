import { describe, expect, it } from "vitest";
import { interimJudgeKit } from "../../../src/eval/trace/interim-judge-kit.js";

const { parse, buildPrompt } = interimJudgeKit;

describe("interim TRACE judge kit", () => {
  it("renders the prompt with numbered constraints and the response", () => {
    const p = buildPrompt({ query: "写诗\n1. 五言", constraints: ["1. 五言", "押韵"], response: "床前明月光" }, "zh");
    expect(p).toContain("[Constraints]\n1. 五言\n2. 押韵\n[Response]\n床前明月光\n—OUTPUT—");
    expect(p).toContain("Constraints Overall Score: [[5]]");
  });
  it("parses well-formed outputs", () => {
    const raw = 'Explanation:\n1. ok\nFine Grained Score: [{"五言": 10, "押韵": 8}]\nConstraints Overall Score: [[9]]';
    expect(parse(raw, 2)).toEqual({ scores: [10, 8], overall: 9, raw });
  });
  it("tolerates Chinese quotes, unescaped quotes in keys, floats, 分 and trailing commas", () => {
    const raw =
      'Fine Grained Score: [{“包含“高考”一词”: 10.0, "字数"少于"20": 7分,}]\nConstraints Overall Score: [[8.5]]';
    expect(parse(raw, 2)).toEqual({ scores: [10, 7], overall: 8.5, raw });
  });
  it("reports malformed outputs without throwing and keeps the raw text", () => {
    expect(parse("no scores here", 1)).toMatchObject({ scores: null, overall: null, parse_error: expect.any(String) });
    expect(parse('Fine Grained Score: [{"a": 10}]', 2)).toMatchObject({
      scores: [10],
      overall: null,
      parse_error: "1 scores for 2 constraints",
    });
    expect(parse('Fine Grained Score: [{"a": 12}]\nConstraints Overall Score: [[10]]', 1).parse_error).toMatch(/0-10/);
  });
  it("maps the 26 levels2 labels and nothing else", () => {
    expect(interimJudgeKit.dimension("模版约束")).toMatchObject({ name: "Template", type: "Format" });
    expect(interimJudgeKit.dimension("Markdown流程背景信息约束")?.name).toBe("Markdown Process Background Information");
    expect(interimJudgeKit.dimension("·")).toBeUndefined();
  });
  it("never throws on thousands of generated outputs (fuzz)", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      "Fine Grained Score:",
      "[{",
      "}]",
      '"a"',
      "“b”",
      ": ",
      "10",
      "7.5",
      "分",
      ",",
      "\n",
      "Constraints Overall Score:",
      "[[",
      "]]",
      "x",
      "：",
      "-3",
      "{",
      "]",
    ];
    for (let i = 0; i < 3000; i++) {
      const raw = Array.from(
        { length: 1 + Math.floor(rnd() * 20) },
        () => pieces[Math.floor(rnd() * pieces.length)],
      ).join("");
      const r = parse(raw, 1 + Math.floor(rnd() * 3));
      expect(r.raw).toBe(raw);
      expect(r.scores === null || r.scores.every(Number.isFinite)).toBe(true);
      if (r.scores === null) expect(r.parse_error).toBeDefined();
    }
  });
});
