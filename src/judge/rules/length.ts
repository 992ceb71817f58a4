import { countChineseChars, countCodePoints, countWhitespaceWords, parseNumber } from "./count.js";
import type { Rule, RuleCheck } from "./types.js";

/**
 * Length of the whole response: "不超过300字", "300字以内", "至少500字", "800至1000字", "between 100 and 200 words".
 * Skipped (no rule) when the count is about a part of the response (每/各/标题/摘要/段/句/部分/其中/描述…,
 * "each", "per", "paragraph"…), when it is approximate (左右/约/大约/上下, "about", "around"), when it asks for
 * an exact count ("报告长度为1500字": always meant loosely), or counts Chinese 词/单词 (no agreed convention).
 */
type Unit = "zh_char" | "word" | "codepoint";

const NUM = "(\\d[\\d,，]*|[零〇一二两三四五六七八九十百千万]+)";
const ZH_UNIT = "(?:个)?(汉字|字符|字)";
const PART_ZH =
  /每|各|单个|标题|题目|摘要|段|句|部分|其中|章|节|描述|说明|介绍|评论|注释|条|项|步骤|开头|结尾|引言|结论|名称|名字|口号|标语|元素|字段|参数|变量|函数|代码|用例|选项|问题|答案中的|案例|示例|例子|首行|缩进/u;
const PART_EN =
  /\b(?:each|every|per|paragraph|sentence|title|heading|summary|section|bullet|item|line|column|field|step|intro|introduction|conclusion|tweet)\b/iu;
const APPROX = /左右|大约|约|上下|差不多|approximately|about|around|roughly|circa/iu;
/** Conditional or code-level counts are not about the response text. */
const NOT_RESPONSE = /则|如果|若|假如|字符串|单词|密码|用户名|变量|函数|代码|程序|参数|文件名|标识符|\bif\b|\bwhen\b/iu;

function unitOf(u: string): Unit {
  if (u === "字符") return "codepoint";
  if (/word/i.test(u)) return "word";
  return "zh_char";
}

interface Bound {
  min?: number;
  max?: number;
  unit: Unit;
  matched: string;
}

function zhBounds(text: string): Bound[] {
  const out: Bound[] = [];
  const push = (m: RegExpMatchArray, unit: string, min?: number, max?: number) =>
    out.push({ min, max, unit: unitOf(unit), matched: m[0] });
  const n = (s: string) => parseNumber(s);
  for (const m of text.matchAll(
    new RegExp(`${NUM}\\s*${ZH_UNIT}?\\s*(?:到|至|-|－|~|～|—|–)\\s*${NUM}\\s*${ZH_UNIT}`, "gu"),
  )) {
    const a = n(m[1]);
    const b = n(m[3]);
    if (a !== undefined && b !== undefined && a <= b) push(m, m[4], a, b);
  }
  const maxPre =
    "(不超过|不多于|不得超过|不能超过|不应超过|不要超过|不可超过|不宜超过|不超出|最多|至多|(?<![不得能应要可宜])少于|(?<!不)低于|不到)";
  for (const m of text.matchAll(new RegExp(`${maxPre}\\s*(?:为|是|在)?\\s*${NUM}\\s*${ZH_UNIT}`, "gu"))) {
    const v = n(m[2]);
    if (v !== undefined) push(m, m[3], undefined, /少于|低于|不到/.test(m[1]) ? v - 1 : v);
  }
  for (const m of text.matchAll(new RegExp(`${NUM}\\s*${ZH_UNIT}\\s*(以内|之内|以下|内)`, "gu"))) {
    const v = n(m[1]);
    if (v !== undefined && !/(?:到|至|-|－|~|～|—|–)\s*$/u.test(text.slice(0, m.index))) push(m, m[2], undefined, v);
  }
  const minPre =
    "(不少于|不低于|不得少于|不能少于|不应少于|至少|最少|(?<![不得能应要可宜])多于|(?<![不得能应要可宜稍微会])超过|(?<!不)大于|达到)";
  for (const m of text.matchAll(new RegExp(`${minPre}\\s*(?:为|是|要|在|有)?\\s*${NUM}\\s*${ZH_UNIT}`, "gu"))) {
    const v = n(m[2]);
    if (v !== undefined) push(m, m[3], /多于|超过|大于/.test(m[1]) ? v + 1 : v, undefined);
  }
  for (const m of text.matchAll(new RegExp(`${NUM}\\s*${ZH_UNIT}\\s*(以上)`, "gu"))) {
    const v = n(m[1]);
    if (v !== undefined) push(m, m[2], v, undefined);
  }
  return out;
}

function enBounds(text: string): Bound[] {
  const out: Bound[] = [];
  const N = "(\\d[\\d,]*)";
  const num = (s: string) => Number(s.replace(/,/g, ""));
  for (const m of text.matchAll(new RegExp(`between\\s+${N}\\s+(?:and|to)\\s+${N}\\s+(words|characters)`, "giu")))
    out.push({
      min: num(m[1]),
      max: num(m[2]),
      unit: m[3].toLowerCase() === "words" ? "word" : "codepoint",
      matched: m[0],
    });
  for (const m of text.matchAll(new RegExp(`${N}\\s*(?:-|–|to)\\s*${N}\\s+(words|characters)`, "giu")))
    out.push({
      min: num(m[1]),
      max: num(m[2]),
      unit: m[3].toLowerCase() === "words" ? "word" : "codepoint",
      matched: m[0],
    });
  const maxPre =
    "(no more than|not more than|at most|not exceed(?:ing)?|maximum of|up to|under|fewer than|less than|within|no longer than)";
  for (const m of text.matchAll(new RegExp(`${maxPre}\\s+${N}\\s+(words|characters)`, "giu"))) {
    const v = num(m[2]);
    out.push({
      max: /fewer|less|under/i.test(m[1]) ? v - 1 : v,
      unit: m[3].toLowerCase() === "words" ? "word" : "codepoint",
      matched: m[0],
    });
  }
  const minPre = "(at least|no less than|no fewer than|minimum of|more than|over)";
  for (const m of text.matchAll(new RegExp(`${minPre}\\s+${N}\\s+(words|characters)`, "giu"))) {
    const v = num(m[2]);
    out.push({
      min: /more than|over/i.test(m[1]) ? v + 1 : v,
      unit: m[3].toLowerCase() === "words" ? "word" : "codepoint",
      matched: m[0],
    });
  }
  return out;
}

export function detectLength(constraint: string): Rule[] {
  const text = constraint.normalize("NFKC");
  if (APPROX.test(text) || NOT_RESPONSE.test(text) || PART_ZH.test(text) || PART_EN.test(text)) return [];
  const all = [...zhBounds(text), ...enBounds(text)];
  // "不超过100字的个人评价": a bound that modifies a noun describes a part of the response.
  if (
    all.some((b) => /^\s*(?:以内|之内|以下|以上)?\s*的/u.test(text.slice(text.indexOf(b.matched) + b.matched.length)))
  )
    return [];
  const bounds = all;
  if (bounds.length === 0) return [];
  const unit = bounds[0].unit;
  if (bounds.some((b) => b.unit !== unit)) return [];
  let min: number | undefined;
  let max: number | undefined;
  for (const b of bounds) {
    if (b.min !== undefined) min = min === undefined ? b.min : Math.max(min, b.min);
    if (b.max !== undefined) max = max === undefined ? b.max : Math.min(max, b.max);
  }
  if (min !== undefined && max !== undefined && min > max) return [];
  if (min === undefined && max === undefined) return [];
  const matched = [...new Set(bounds.map((b) => b.matched))].join(" / ");
  return [
    { kind: "length", unit, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), matched },
  ];
}

export function checkLength(rule: Extract<Rule, { kind: "length" }>, response: string): RuleCheck {
  const n =
    rule.unit === "word"
      ? countWhitespaceWords(response)
      : rule.unit === "codepoint"
        ? countCodePoints(response)
        : countChineseChars(response);
  const unitName = rule.unit === "word" ? "words" : rule.unit === "codepoint" ? "characters" : "字";
  const okMin = rule.min === undefined || n >= rule.min;
  const okMax = rule.max === undefined || n <= rule.max;
  const limit = [rule.min !== undefined ? `>= ${rule.min}` : "", rule.max !== undefined ? `<= ${rule.max}` : ""]
    .filter(Boolean)
    .join(" and ");
  return { pass: okMin && okMax, evidence: `${n} ${unitName} (required ${limit})` };
}
