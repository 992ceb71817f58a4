import { describe, expect, it } from "vitest";
import { parseFallbackUpstream, parseStrict, parseTolerant } from "../../src/eval/cfbench/parse-judge.js";
import { parseJudgeTolerant, parseJudgeUpstream } from "../../src/eval/complexbench/parse-judge.js";
import { preprocessExtraction } from "../../src/eval/complexbench/preprocess-extraction.js";
import { checkConstraint, detectRules } from "../../src/judge/rules/index.js";

/** Deterministic generator of judge-like garbage from pieces that occur in real outputs. */
function makeFuzz(seed: number, pieces: string[]) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    let n = 1 + (seed % 25);
    let out = "";
    while (n-- > 0) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      out += pieces[seed % pieces.length];
    }
    return out;
  };
}

describe("parsers never throw on generated outputs", () => {
  it("CFBench strict, fallback and tolerant parsers", () => {
    const crit = ["主题正确", "不超过100字", "使用“您”"];
    const next = makeFuzz(3, [
      ...crit,
      "\t",
      "\n",
      "\n\n",
      "1",
      "0",
      "1.0",
      "2",
      "是",
      " ",
      "：",
      "\\t",
      "\\n",
      "nan",
      "inf",
    ]);
    for (let i = 0; i < 4000; i++) {
      const text = next();
      const s = parseStrict(text, crit);
      if (s.ok) expect(s.scores).toHaveLength(3);
      const f = parseFallbackUpstream(text);
      expect(f.scores.length).toBeGreaterThan(0);
      const t = parseTolerant(text, crit);
      expect(t.scores).toHaveLength(3);
      expect(t.missing).toBe(t.scores.filter((x) => x === null).length);
    }
  });
  it("ComplexBench judge parsers and extraction post-processing", () => {
    const next = makeFuzz(5, [
      "分析：",
      "答案：",
      "答案:",
      "是",
      "否",
      "Yes",
      "no",
      "\n",
      "**",
      "评分对象：",
      "all",
      "None",
      "||",
      "\n\n请注意",
      "【模型回复中评分问题的评测对象】\n",
    ]);
    for (let i = 0; i < 4000; i++) {
      const text = next();
      expect(typeof parseJudgeUpstream(text).verdict).toBe("boolean");
      expect(typeof parseJudgeTolerant(text).verdict).toBe("boolean");
      expect(Array.isArray(preprocessExtraction("回复", text, i % 2 === 0).spans)).toBe(true);
    }
  });
  it("rule detection and checks on generated constraints and responses", () => {
    const next = makeFuzz(9, [
      "不超过",
      "至少",
      "300",
      "五百",
      "字",
      "以内",
      "“关键词”",
      "包含",
      "不得出现",
      "JSON",
      "Markdown",
      "以",
      "开头",
      "结尾",
      "编号列表",
      "英文",
      "回答",
      "，",
      "；",
      "每段",
      "words",
      " ",
      "between 1 and 2",
    ]);
    for (let i = 0; i < 3000; i++) {
      const constraint = next();
      const response = next();
      const d = detectRules(constraint);
      const c = checkConstraint(d, response);
      expect(["pass", "fail", "none"]).toContain(c.verdict);
    }
  });
});
