import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectRules, ruleCoverage } from "../../../src/judge/rules/index.js";
import { bundledDataPath } from "../../../src/util/paths.js";

const records = readFileSync(bundledDataPath("trace", "2024_trace_evaluation.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; constraints_splits: string[]; levels2: string[] });
const all = records.flatMap((r) => r.constraints_splits);

/** A constraint string that really occurs in the TRACE evaluation set (guards against typos in the tests). */
function real(s: string): string {
  expect(all, `not a TRACE constraint: ${s}`).toContain(s);
  return s;
}
const kinds = (c: string) => detectRules(c).rules.map(({ matched: _m, ...r }) => r);

describe("rule detection on real TRACE constraints", () => {
  it("whole-response length bounds (字, ranges, min and max together)", () => {
    expect(kinds(real("3. 论文总字数应控制在3000至5000字之间；"))).toEqual([
      { kind: "length", unit: "zh_char", min: 3000, max: 5000 },
    ]);
    expect(kinds(real("2. 字数控制在200字以内；"))).toEqual([{ kind: "length", unit: "zh_char", max: 200 }]);
    expect(kinds(real("全文不少于1500字；"))).toEqual([{ kind: "length", unit: "zh_char", min: 1500 }]);
    expect(kinds(real("1. 回答字数至少200字但不超过300字；"))).toEqual([
      { kind: "length", unit: "zh_char", min: 200, max: 300 },
    ]);
    expect(kinds(real("2. 报道长度：报道长度至少为400字，但不超过600字；"))).toEqual([
      { kind: "length", unit: "zh_char", min: 400, max: 600 },
    ]);
    expect(kinds(real("邮件的长度应控制在500个字符以内；"))).toEqual([{ kind: "length", unit: "codepoint", max: 500 }]);
    expect(detectRules(real("3. 论文总字数应控制在3000至5000字之间；")).coverage).toBe("full");
  });

  it("no length rule for parts, approximations, conditionals and code", () => {
    for (const c of [
      "5. 每种比萨饼的描述不超过100字；",
      "9. 文章字数约为800字。",
      "3. 首先引出全球变暖的主题（约100字）；",
      "1. 摘要应控制在50字以内；",
      "9. 简历中应包含一份不超过100字的个人评价，概述个人优势和职业目标；",
      "以一个深度或表面的角色扮演方式，深度角色扮演则故事长度需达到1500字，表面角色扮演则故事长度需达到800字；",
      "单词的长度在3到20个字符之间；",
      "程序应确保单词不会被截断，即使这意味着某些行可能会稍微超过72个字符的限制；",
    ])
      expect(kinds(real(c)), c).toEqual([]);
  });

  it("required and forbidden quoted words", () => {
    expect(kinds(real('1. 短语中必须包含"音乐"和"海洋"这两个词；'))).toEqual([
      { kind: "include", terms: ["音乐", "海洋"] },
    ]);
    expect(kinds(real("1. 删除短语“很高兴能”和“在这里”；"))).toEqual([
      { kind: "exclude", terms: ["很高兴能", "在这里"] },
    ]);
  });

  it("no word rule for examples, possessives, forms and code", () => {
    for (const c of [
      '1. 统计过程中需要排除"的"、"和"、"是"等常见虚词，确保统计结果的准确性；',
      '4. 内容不能包含"游泳池"一词的重复使用；',
      '7. 在设计上，保持品牌的一致性，使用"Search Support"的官方颜色和字体，以增强品牌识别度；',
      "以非指责的方式提出你的担忧，使用“I”语句，如“我担心这可能会影响我们的项目进度”；",
      '2. 输出的JSON结构必须包含"max_value"和"index"两个键；',
    ])
      expect(kinds(real(c)), c).toEqual([]);
  });

  it("formats: JSON, Markdown, tables, lists, headings; alternatives and code are skipped", () => {
    expect(kinds(real("2. 输出必须采用JSON格式。"))).toEqual([{ kind: "json" }]);
    expect(detectRules(real("2. 输出必须采用JSON格式。")).coverage).toBe("full");
    expect(kinds(real("教学指南以Markdown格式输出；"))).toEqual([{ kind: "markdown" }]);
    expect(kinds(real("最终结果以表格形式输出；"))).toEqual([{ kind: "table" }]);
    expect(kinds(real("5. 技能部分应使用项目符号列表格式列出；"))).toEqual([{ kind: "list", style: "bullet" }]);
    expect(kinds(real("在正文中使用编号列表来组织信息；"))).toEqual([{ kind: "list", style: "numbered" }]);
    expect(kinds(real("3. 不使用任何列表形式；"))).toEqual([{ kind: "no_list" }]);
    expect(kinds(real("7. 使用标题和子标题进行层次化结构组织；"))).toEqual([{ kind: "headings", min: 2 }]);
    expect(kinds(real("输出应以JSON或Markdown格式呈现；"))).toEqual([]);
    expect(kinds(real("1. 计划以 Markdown 流程背景信息的形式呈现；"))).toEqual([]);
  });

  it("language and start/end phrases", () => {
    expect(kinds(real("1. 使用英文回答；"))).toEqual([{ kind: "language", lang: "en" }]);
    expect(kinds(real("代码使用英文编写，包含中文用户界面元素；"))).toEqual([]);
    expect(kinds(real("1. 结尾必须为“教育体系正积极适应这一变化”；"))).toEqual([
      { kind: "ends_with", phrase: "教育体系正积极适应这一变化" },
    ]);
    expect(kinds(real("1. 演讲稿应以“让我们行动起来，为了地球的未来”作为结束语；"))).toEqual([
      { kind: "ends_with", phrase: "让我们行动起来，为了地球的未来" },
    ]);
    expect(kinds(real("字符串需以“hello”开头；"))).toEqual([]);
  });

  it("English constraints", () => {
    expect(kinds("Keep the answer under 150 words.")).toEqual([{ kind: "length", unit: "word", max: 149 }]);
    expect(kinds("The essay must be between 300 and 500 words.")).toEqual([
      { kind: "length", unit: "word", min: 300, max: 500 },
    ]);
    expect(kinds('Include the keywords "AI" and "ethics".')).toEqual([{ kind: "include", terms: ["AI", "ethics"] }]);
    expect(kinds('Do not use the word "very".')).toEqual([{ kind: "exclude", terms: ["very"] }]);
    expect(kinds("Respond in JSON format.")).toEqual([{ kind: "json" }]);
    expect(kinds('End your response with "Is there anything else I can help with?"')).toEqual([
      { kind: "ends_with", phrase: "Is there anything else I can help with?" },
    ]);
  });

  it("coverage over the 5,087 TRACE constraints (printed by dimension)", () => {
    const cov = ruleCoverage(records);
    expect(cov.constraints).toBe(5087);
    // Precision over recall: a few hundred constraints, mostly numerical and format dimensions.
    expect(cov.with_rule).toBeGreaterThan(300);
    expect(cov.with_rule).toBeLessThan(700);
    expect(cov.by_dimension["数值约束"].with_rule).toBeGreaterThan(60);
    expect(cov.by_dimension["输出格式约束"].with_rule).toBeGreaterThan(100);
    expect(cov.by_dimension["语气风格约束"].with_rule).toBe(0);
    console.log(
      `rule coverage: ${cov.with_rule}/${cov.constraints} constraints (${cov.full_coverage} full)\n` +
        Object.entries(cov.by_dimension)
          .filter(([, d]) => d.with_rule > 0)
          .sort((a, b) => b[1].with_rule - a[1].with_rule)
          .map(([k, d]) => `  ${k}: ${d.with_rule}/${d.constraints} (${d.full_coverage} full)`)
          .join("\n"),
    );
  });
});
