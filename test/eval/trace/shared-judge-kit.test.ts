import { describe, expect, it } from "vitest";
import { judgeLang } from "../../../src/eval/trace/run.js";
import { sharedJudgeKit } from "../../../src/eval/trace/shared-judge-kit.js";

describe("TRACE judge kit on the shared judge and taxonomy", () => {
  it("renders the B.5 prompt with numbered constraints and the response; one hash per language", () => {
    const p = sharedJudgeKit.buildPrompt(
      { query: "写诗\n1. 五言", constraints: ["1. 五言", "押韵"], response: "床前明月光" },
      "zh",
    );
    expect(p).toContain("1. 五言\n2. 押韵");
    expect(p).toContain("床前明月光");
    expect(sharedJudgeKit.templateHash("zh")).toMatch(/^[0-9a-f]{12}$/);
    expect(sharedJudgeKit.templateHash("zh")).not.toBe(sharedJudgeKit.templateHash("en"));
  });
  it("maps parses to the kit shape: well formed, wrong count, unreadable", () => {
    const ok = 'Fine Grained Score: [{"五言": 10, "押韵": 8}]\nConstraints Overall Score: [[9]]';
    expect(sharedJudgeKit.parse(ok, 2)).toEqual({ scores: [10, 8], overall: 9, raw: ok });
    expect(sharedJudgeKit.parse(ok, 3).parse_error).toMatch(/2 scores for 3/);
    expect(sharedJudgeKit.parse("no idea", 1)).toMatchObject({ scores: null, overall: null, raw: "no idea" });
    expect(sharedJudgeKit.parse("no idea", 1).parse_error).toBeDefined();
  });
  it("resolves the 26 levels2 labels, not the stray ones", () => {
    expect(sharedJudgeKit.dimension("模版约束")).toMatchObject({ name: "Template", type: "Format" });
    expect(sharedJudgeKit.dimension("markdown流程背景信息约束")?.name).toBe("Markdown Process Background Information");
    expect(sharedJudgeKit.dimension("·")).toBeUndefined();
    expect(sharedJudgeKit.dimension("输入格式约束")).toBeUndefined();
  });
  it("picks the English template only for mostly-Latin instructions", () => {
    expect(judgeLang("为一首歌曲写一个简短描述")).toBe("zh");
    expect(judgeLang("Make a delightful blueberry cheesecake with a crumbly base")).toBe("en");
  });
});
