import { describe, expect, it } from "vitest";
import { parseNumber } from "../../../src/judge/rules/count.js";
import {
  checkConstraint,
  checkRule,
  countChineseChars,
  countWhitespaceWords,
  detectRules,
} from "../../../src/judge/rules/index.js";
import type { Rule, RuleSpec } from "../../../src/judge/rules/types.js";

const r = (rule: RuleSpec): Rule => ({ ...rule, matched: "" });

describe("counting conventions", () => {
  it("counts each CJK character and each Latin word or number once, punctuation never", () => {
    expect(countChineseChars("你好，世界！")).toBe(4);
    expect(countChineseChars("我用 Python 3.11 写了 2 个脚本。")).toBe(10); // 7 CJK + Python + 3.11 + 2
    expect(countChineseChars("## 标题\n- **要点**：AI")).toBe(5);
    expect(countChineseChars("")).toBe(0);
    expect(countWhitespaceWords("Hello, world - it's me.")).toBe(4);
    expect(countWhitespaceWords("it's well-known 42")).toBe(3); // world's countAsciiWords: 2, IFEval's: 5
  });
  it("parses Arabic, full-width and simple Chinese numbers", () => {
    expect(parseNumber("1,500")).toBe(1500);
    expect(parseNumber("３００")).toBe(300);
    expect(parseNumber("五百")).toBe(500);
    expect(parseNumber("两千五百")).toBe(2500);
    expect(parseNumber("十二")).toBe(12);
    expect(parseNumber("一万")).toBe(10000);
    expect(parseNumber("abc")).toBeUndefined();
  });
});

describe("rule checks", () => {
  it("length: inclusive bounds with evidence", () => {
    const rule = r({ kind: "length", unit: "zh_char", min: 5, max: 6 });
    expect(checkRule(rule, "一二三四五")).toEqual({ pass: true, evidence: "5 字 (required >= 5 and <= 6)" });
    expect(checkRule(rule, "一二三四").pass).toBe(false);
    expect(checkRule(rule, "一二三四五六七").pass).toBe(false);
    expect(checkRule(r({ kind: "length", unit: "word", max: 3 }), "one two three").pass).toBe(true);
  });
  it("include/exclude: normalised containment, case-insensitive for Latin, markdown ignored", () => {
    expect(checkRule(r({ kind: "include", terms: ["高考", "AI"] }), "**高考**与ai").pass).toBe(true);
    expect(checkRule(r({ kind: "include", terms: ["高考", "大学入学"] }), "高考加油")).toEqual({
      pass: false,
      evidence: "missing: “大学入学”",
    });
    expect(checkRule(r({ kind: "exclude", terms: ["非常"] }), "这非常好")).toEqual({
      pass: false,
      evidence: "present: “非常”",
    });
    expect(checkRule(r({ kind: "exclude", terms: ["非常"] }), "这很好").pass).toBe(true);
  });
  it("json: whole text, fenced block, or nearly-whole span", () => {
    const json = r({ kind: "json" });
    expect(checkRule(json, '{"a": 1}').pass).toBe(true);
    expect(checkRule(json, '以下是结果：\n```json\n{"a": [1, 2]}\n```').pass).toBe(true);
    expect(checkRule(json, "{'a': 1}").pass).toBe(false);
    expect(checkRule(json, "没有JSON").pass).toBe(false);
    expect(checkRule(json, `很长的解释${"文字".repeat(50)} {"a": 1}`).pass).toBe(false);
  });
  it("markdown, table, lists, headings", () => {
    expect(checkRule(r({ kind: "markdown" }), "# 标题\n正文").pass).toBe(true);
    expect(checkRule(r({ kind: "markdown" }), "纯文本。").pass).toBe(false);
    expect(checkRule(r({ kind: "table" }), "| a | b |\n| --- | --- |\n| 1 | 2 |").pass).toBe(true);
    expect(checkRule(r({ kind: "table" }), "a | b").pass).toBe(false);
    expect(checkRule(r({ kind: "list", style: "numbered" }), "1. 甲\n2. 乙").pass).toBe(true);
    expect(checkRule(r({ kind: "list", style: "numbered" }), "- 甲\n- 乙").pass).toBe(false);
    expect(checkRule(r({ kind: "list", style: "bullet" }), "- 甲\n- 乙").pass).toBe(true);
    expect(checkRule(r({ kind: "list", style: "any" }), "一、甲\n二、乙").pass).toBe(true);
    expect(checkRule(r({ kind: "no_list" }), "首先，甲。其次，乙。").pass).toBe(true);
    expect(checkRule(r({ kind: "no_list" }), "1. 甲").pass).toBe(false);
    expect(checkRule(r({ kind: "headings", min: 2 }), "# 总标题\n正文\n## 小节\n正文").pass).toBe(true);
    expect(checkRule(r({ kind: "headings", min: 2 }), "# 总标题\n正文").pass).toBe(false);
  });
  it("language by CJK share", () => {
    expect(checkRule(r({ kind: "language", lang: "en" }), "This is English.").pass).toBe(true);
    expect(checkRule(r({ kind: "language", lang: "en" }), "This is English 和中文.").pass).toBe(false);
    expect(checkRule(r({ kind: "language", lang: "zh" }), "这是中文，带一个 API。").pass).toBe(true);
  });
  it("start/end phrases ignore decoration and trailing punctuation; a short sign-off may follow", () => {
    const start = r({ kind: "starts_with", phrase: "尊敬的各位来宾" });
    expect(checkRule(start, "**尊敬的各位来宾**：\n大家好").pass).toBe(true);
    expect(checkRule(start, "大家好，尊敬的各位来宾").pass).toBe(false);
    const end = r({ kind: "ends_with", phrase: "顺祝商祺" });
    expect(checkRule(end, "正文。\n顺祝商祺！").pass).toBe(true);
    expect(checkRule(end, "正文。\n顺祝商祺！\n张三\n2024年5月1日").pass).toBe(true);
    expect(
      checkRule(end, "顺祝商祺！\n然后还有很长很长很长很长很长很长很长很长很长很长很长的一段正文内容在这里继续").pass,
    ).toBe(false);
  });
  it("checkConstraint: fail if any rule fails; none when nothing is detected", () => {
    const d = detectRules("1. 回答字数至少200字但不超过300字；");
    expect(checkConstraint(d, "短").verdict).toBe("fail");
    expect(checkConstraint(d, "字".repeat(250))).toMatchObject({ verdict: "pass", coverage: "full" });
    expect(checkConstraint(detectRules("语气要亲切"), "x")).toEqual({ verdict: "none", coverage: null, rules: [] });
  });
});
