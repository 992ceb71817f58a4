import { shortHash } from "../../util/hash.js";
import type { DimensionInfo, JudgeLang, TraceJudgeInput, TraceJudgeKit, TraceJudgeParse } from "./judge-kit.js";

/**
 * INTERIM TRACE judge kit, used until the shared B.5 judge prompt, its tolerant parser and the taxonomy land on
 * main (then `judge-kit-default.ts` switches to them). The prompt follows the released TRACE judge's structure
 * (English rules, a Chinese worked example, per-constraint 0-10 scores as `Fine Grained Score: [{...}]`, then
 * `Constraints Overall Score: [[x]]`); the wording and example are ours. The same prompt serves both languages.
 */
const TEMPLATE = `[System]
You are a fair and strict judge. Assess how well the AI assistant's response follows every constraint of the user's query.
Go through the constraints one by one: explain your assessment of each, then give it a score from 0 to 10 (10 only if it is fully satisfied).
Then give one overall score from 0 to 10 for how well the response follows the constraints as a whole.
If the response is irrelevant, factually wrong or harmful, all scores are 0.
Write the fine-grained scores as JSON, a list holding one object that maps each constraint (in order) to its score, and write the overall score as [[d]].

[Example]
[Query]
写一段介绍长城的文字。
1. 不超过50字；
2. 包含“世界文化遗产”；
[Constraints]
1. 不超过50字；
2. 包含“世界文化遗产”；
[Response]
长城是中国古代的伟大防御工程，东起山海关，西至嘉峪关，全长两万多公里。
—OUTPUT—
Explanation:
1. 回答共32字，未超过50字，得分10分。
2. 回答没有出现“世界文化遗产”，得分0分。
Fine Grained Score: [{"不超过50字": 10, "包含“世界文化遗产”": 0}]
Constraints Overall Score: [[5]]

[Query]
{{query}}
[Constraints]
{{constraints}}
[Response]
{{response}}
—OUTPUT—
`;

const OVERALL = /Constraints Overall Score:\s*\[\[([0-9.]+)\]\]/s;
const MARKER = /fine[\s_-]*grained[\s_-]*scores?\**\s*[:：]?/gi;
const ENTRY = /[:：]\s*["'“”]?\s*(-?\d+(?:\.\d+)?)\s*(?:分)?\s*["'“”]?\s*(?=[,，}\]\n]|$)/g;

function numbered(constraints: readonly string[]): string {
  return constraints.map((c, i) => (/^\s*\d+[.、．)]/.test(c) ? c : `${i + 1}. ${c}`)).join("\n");
}

function parse(raw: string, expectedCount: number): TraceJudgeParse {
  const out: TraceJudgeParse = { scores: null, overall: null, raw };
  const m = OVERALL.exec(raw);
  if (m && Number.isFinite(Number(m[1]))) out.overall = Number(m[1]);
  let start = -1;
  for (const mm of raw.matchAll(MARKER)) start = mm.index + mm[0].length;
  if (start < 0) {
    out.parse_error = "no Fine Grained Score block";
    return out;
  }
  const end = raw.slice(start).search(/constraints?\s*overall/i);
  const block = raw.slice(start, end < 0 ? raw.length : start + end);
  const scores = [...block.matchAll(ENTRY)].map((e) => Number(e[1]));
  if (scores.length === 0) {
    out.parse_error = "Fine Grained Score block has no readable scores";
    return out;
  }
  out.scores = scores;
  if (scores.some((s) => !(s >= 0 && s <= 10))) out.parse_error = "score outside 0-10";
  else if (scores.length !== expectedCount)
    out.parse_error = `${scores.length} scores for ${expectedCount} constraints`;
  return out;
}

/** `levels2` label -> dimension (the 26 of the paper; see data/trace README). */
const DIMENSIONS: [string, string, string][] = [
  ["主题约束", "Theme", "Content"],
  ["排除约束", "Exclusion", "Content"],
  ["包含约束", "Inclusion", "Content"],
  ["价值观约束", "Value", "Content"],
  ["隐私约束", "Privacy", "Content"],
  ["数值约束", "Numerical", "Content"],
  ["角色扮演约束", "Role-Playing", "Situation"],
  ["受众目标约束", "Target Audience", "Situation"],
  ["先验条件约束", "Prior Condition", "Situation"],
  ["自然语言流程背景信息约束", "Natural Language Process Background Information", "Situation"],
  ["markdown流程背景信息约束", "Markdown Process Background Information", "Situation"],
  ["表格背景信息约束", "Table Background Information", "Situation"],
  ["文本背景信息约束", "Text Background Information", "Situation"],
  ["语气风格约束", "Tone and Style", "Style"],
  ["情感情绪约束", "Emotion", "Style"],
  ["语言特征约束", "Linguistic Characteristics", "Style"],
  ["多语言约束", "Multilingual", "Style"],
  ["输出格式约束", "Output Format", "Format"],
  ["文本样式约束", "Text Pattern", "Format"],
  ["语法结构约束", "Grammar Structure", "Format"],
  ["引用和参考约束", "Citation", "Format"],
  ["编号和列表约束", "Numbering and List", "Format"],
  ["层次化结构约束", "Hierarchical Structure", "Format"],
  ["模版约束", "Template", "Format"],
  ["正例约束", "Positive Example", "Example"],
  ["负例约束", "Negative Example", "Example"],
];
const BY_LABEL = new Map<string, DimensionInfo>(
  DIMENSIONS.map(([label, name, type]) => [label, { key: name.toLowerCase().replace(/[^a-z]+/g, "_"), name, type }]),
);

export const interimJudgeKit: TraceJudgeKit = {
  source: "interim",
  templateHash: (_lang: JudgeLang) => shortHash(TEMPLATE),
  buildPrompt: (input: TraceJudgeInput, _lang: JudgeLang) => {
    const vars: Record<string, string> = {
      query: input.query,
      constraints: numbered(input.constraints),
      response: input.response,
    };
    return TEMPLATE.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k]);
  },
  parse,
  dimension: (label: string) => BY_LABEL.get(label.trim().replace(/^markdown/i, "markdown")),
};
