import { describe, expect, it } from "vitest";
import { defaultJudgeKit } from "../../../src/eval/trace/judge-kit.js";
import { judgeLang } from "../../../src/eval/trace/run.js";

describe("TRACE judge kit on the shared judge and taxonomy", () => {
  it("renders the B.5 prompt with numbered constraints and the response; one hash per language", () => {
    const p = defaultJudgeKit.buildPrompt(
      { query: "写诗\n1. 五言", constraints: ["1. 五言", "押韵"], response: "床前明月光" },
      "zh",
    );
    expect(p).toContain("1. 五言\n2. 押韵");
    expect(p).toContain("床前明月光");
    expect(defaultJudgeKit.templateHash("zh")).toMatch(/^[0-9a-f]{12}$/);
    expect(defaultJudgeKit.templateHash("zh")).not.toBe(defaultJudgeKit.templateHash("en"));
  });
  it("maps parses to the kit shape: well formed, wrong count, unreadable", () => {
    const ok = 'Fine Grained Score: [{"五言": 10, "押韵": 8}]\nConstraints Overall Score: [[9]]';
    expect(defaultJudgeKit.parse(ok, 2)).toEqual({ scores: [10, 8], overall: 9, raw: ok });
    expect(defaultJudgeKit.parse(ok, 3).parse_error).toMatch(/2 scores for 3/);
    expect(defaultJudgeKit.parse("no idea", 1)).toMatchObject({ scores: null, overall: null, raw: "no idea" });
    expect(defaultJudgeKit.parse("no idea", 1).parse_error).toBeDefined();
  });
  it("resolves the 26 levels2 labels, not the stray ones", () => {
    expect(defaultJudgeKit.dimension("模版约束")).toMatchObject({ name: "Template", type: "Format" });
    expect(defaultJudgeKit.dimension("markdown流程背景信息约束")?.name).toBe("Markdown Process Background Information");
    expect(defaultJudgeKit.dimension("·")).toBeUndefined();
    expect(defaultJudgeKit.dimension("输入格式约束")).toBeUndefined();
  });
  it("picks the English template only for mostly-Latin instructions", () => {
    expect(judgeLang("为一首歌曲写一个简短描述")).toBe("zh");
    expect(judgeLang("Make a delightful blueberry cheesecake with a crumbly base")).toBe("en");
  });
});
