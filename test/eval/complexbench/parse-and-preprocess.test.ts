import { describe, expect, it } from "vitest";
import { parseJudgeTolerant, parseJudgeUpstream } from "../../../src/eval/complexbench/parse-judge.js";
import { preprocessExtraction } from "../../../src/eval/complexbench/preprocess-extraction.js";

describe("ComplexBench judge parse", () => {
  it("upstream: exactly one 答案：是|否 decides", () => {
    expect(parseJudgeUpstream("分析：满足要求。\n答案：是")).toEqual({ verdict: true, fallback: false });
    expect(parseJudgeUpstream("分析：否定句很多，但满足。\n答案：是")).toEqual({ verdict: true, fallback: false });
    expect(parseJudgeUpstream("分析：不满足。\n答案：否")).toEqual({ verdict: false, fallback: false });
  });
  it("upstream fallback: 是 present and 否 absent (ASCII colon, two answers, none)", () => {
    expect(parseJudgeUpstream("分析：是的\n答案: 是")).toEqual({ verdict: true, fallback: true });
    expect(parseJudgeUpstream("分析：是否满足？\n答案: 是")).toEqual({ verdict: false, fallback: true });
    expect(parseJudgeUpstream("答案：是\n更正：答案：否")).toEqual({ verdict: false, fallback: true });
    expect(parseJudgeUpstream("")).toEqual({ verdict: false, fallback: true });
  });
  it("tolerant: the last answer line wins; ASCII colons, bold, English", () => {
    expect(parseJudgeTolerant("分析：是否满足？\n答案: 是")).toEqual({ verdict: true, fallback: false });
    expect(parseJudgeTolerant("答案：是\n更正：答案：否")).toEqual({ verdict: false, fallback: false });
    expect(parseJudgeTolerant("**答案**：**否**")).toEqual({ verdict: false, fallback: false });
    expect(parseJudgeTolerant("Analysis: fine.\nAnswer: Yes")).toEqual({ verdict: true, fallback: false });
    expect(parseJudgeTolerant("Answer: none of these")).toEqual({ verdict: false, fallback: true });
  });
});

describe("ComplexBench extraction post-processing (upstream preprocess)", () => {
  const resp = "全文内容";
  it("takes the span after the last marker and 评分对象：", () => {
    const ass = "【解释】\n说明：……\n\n【模型回复中评分问题的评测对象】\n评分对象：墨香小筑";
    expect(preprocessExtraction(resp, ass).spans).toEqual(["墨香小筑"]);
  });
  it("all -> the whole response; None -> no span; || splits and strips", () => {
    expect(preprocessExtraction(resp, "评分对象：all").spans).toEqual([resp]);
    expect(preprocessExtraction(resp, "评分对象：None").spans).toEqual([]);
    expect(preprocessExtraction(resp, "评分对象：a || b ||c").spans).toEqual(["a", "b", "c"]);
  });
  it("drops trailing notes and falls back to the last full-width colon", () => {
    expect(preprocessExtraction(resp, "评分对象：甲\n\n请注意：这里是说明").spans).toEqual(["甲"]);
    expect(preprocessExtraction(resp, "结果：乙").spans).toEqual(["乙"]);
    expect(preprocessExtraction(resp, "丙").spans).toEqual(["丙"]);
  });
  it("a missing response or extraction gives no span", () => {
    expect(preprocessExtraction(null, "评分对象：all")).toEqual({ decompose: null, spans: [] });
  });
  it("tolerant mode accepts ASCII-colon and bold markers", () => {
    expect(preprocessExtraction(resp, "**评分对象**: all").spans).toEqual(["**评分对象**: all"]);
    expect(preprocessExtraction(resp, "**评分对象**: all", true).spans).toEqual([resp]);
  });
});
