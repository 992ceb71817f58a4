import { norm, quotes, stripMarkdown } from "./text-utils.js";
import type { Rule, RuleCheck } from "./types.js";

/**
 * Required and forbidden words, only when the words are quoted in the constraint:
 * "必须包含“高考”和“大学入学”", "不得出现“非常”一词", "避免使用“我认为”", "删除短语“很高兴能”",
 * 'include the keywords "AI" and "ethics"', 'do not use the word "very"'.
 * Skipped when the quotes are examples (如/例如/比如/类似/such as/e.g.), when no inclusion or exclusion verb
 * governs them, or when the quote is a start/end phrase (handled by boundary.ts) or a title to give.
 */
const NEG_BEFORE =
  /(?:不得|不要|不能|不可|不应|不允许|不许|严禁|切勿|禁止|避免|杜绝|勿|不|删除|删去|去掉|去除|排除)\s*(?:再)?\s*(?:使用|出现|包含|提及|提到|含有|用|写|说)?\s*(?:任何)?\s*(?:诸如)?\s*(?:词语|短语|字眼|词汇|词|字样|表述|表达)?\s*[：:]?\s*$|\b(?:do not|don't|must not|should not|never|avoid)\s+(?:use|using|include|including|mention|say|write)?\s*(?:the\s+)?(?:words?|phrases?|terms?)?\s*$|\bwithout\s+(?:using\s+)?(?:the\s+)?(?:words?|phrases?|terms?)?\s*$/iu;
const NEG_AFTER =
  /^\s*(?:一词|这个词|这一词|这个短语|等词语|等字眼|字样|这样的词|这类词)?\s*(?:不得|不要|不能|不可|不应|不允许|严禁|禁止|避免)\s*(?:出现|使用|被使用)/u;
const INC_BEFORE =
  /(?:包含|包括|含有|提到|提及|出现|使用|用到|列举|列出|加入|融入|嵌入|涵盖|引用|带有|写上|注明)\s*(?:以下|下列)?\s*(?:的)?\s*(?:关键词|关键字|词语|短语|字样|词汇|词|句子|这句话)?\s*[：:]?\s*(?:[“"「『‘][^”"」』’]*[”"」』’]\s*[、,，和与及]\s*)*$|(?:关键词|关键字)\s*[：:]?\s*$|\b(?:include|including|contain|containing|mention|use)\s+(?:the\s+)?(?:(?:key)?words?|phrases?|terms?)?\s*(?:"[^"]*"\s*(?:,|and)\s*)*$/iu;
const INC_AFTER =
  /^\s*(?:一词|这个词|这一词|这个短语|等关键词|字样)?\s*(?:必须|需要|需|应|要)\s*(?:出现|被提及|包含在)/u;
const EXAMPLE = /如\s*$|例如|比如|譬如|类似|诸如|像\s*$|such as|e\.g\.|for example|for instance|like\s*$/iu;
const EXAMPLE_AFTER = /^\s*等/u;
const BOUNDARY =
  /开头|开始|开篇|结尾|结束|收尾|结束语|标题|题目|命名|名为|称为|title|begin|start|end with|ends with|conclude/iu;
const CODE =
  /代码|函数|程序|脚本|字段|键|变量|参数|字符串|类名|方法|表中|数据库|按钮|\b(?:json|key|keys|field|string|variable|function)\b/iu;

/**
 * Decide each group of quoted terms (quotes joined only by 、 , 和 与 及 or) from its immediate context: a
 * negation governing it -> forbidden; an inclusion verb -> required; anything else -> no rule. Examples
 * ("如“X”", "“X”等"), forms ("“I”语句"), possessives ("“X”的颜色") and boundary or naming phrases are never rules.
 */
export function detectWords(constraint: string): Rule[] {
  const text = constraint.normalize("NFC");
  if (BOUNDARY.test(text) || CODE.test(text)) return [];
  const qs = quotes(text).filter((q) => q.text !== "" && [...q.text].length <= 30);
  const groups: (typeof qs)[] = [];
  for (const q of qs) {
    const last = groups.at(-1);
    if (last && /^\s*(?:[、,，]|和|与|及|以及|或|或者|and|or)\s*$/iu.test(text.slice(last.at(-1)!.end, q.index)))
      last.push(q);
    else groups.push([q]);
  }
  const include: string[] = [];
  const exclude: string[] = [];
  for (const g of groups) {
    const before = text.slice(Math.max(0, g[0].index - 30), g[0].index);
    const after = text.slice(g.at(-1)!.end, g.at(-1)!.end + 12);
    if (EXAMPLE.test(before.slice(-6)) || /例如|比如|such as|e\.g\./iu.test(before)) continue;
    if (
      EXAMPLE_AFTER.test(after) ||
      /^\s*(?:一词|这个词|这些词)?\s*的|^\s*(?:语句|句式|格式|风格|方式|结构|形式|列|栏)/u.test(after)
    )
      continue;
    const terms = g.map((q) => q.text).filter((t) => !/^[A-Za-z]$/.test(t));
    if (NEG_BEFORE.test(before) || NEG_AFTER.test(after)) exclude.push(...terms);
    else if (INC_BEFORE.test(before) || INC_AFTER.test(after)) include.push(...terms);
  }
  const out: Rule[] = [];
  if (include.length > 0) out.push({ kind: "include", terms: include, matched: text });
  if (exclude.length > 0) out.push({ kind: "exclude", terms: exclude, matched: text });
  return out;
}

/** Containment on a normalised copy (NFKC, one quote style, no whitespace; Latin case-insensitive). */
function contains(response: string, term: string): boolean {
  const r = norm(stripMarkdown(response)).toLowerCase();
  return r.includes(norm(term).toLowerCase());
}

export function checkWords(rule: Extract<Rule, { kind: "include" | "exclude" }>, response: string): RuleCheck {
  const present = rule.terms.filter((t) => contains(response, t));
  if (rule.kind === "include") {
    const missing = rule.terms.filter((t) => !present.includes(t));
    return missing.length === 0
      ? { pass: true, evidence: `all present: ${rule.terms.map((t) => `“${t}”`).join(" ")}` }
      : { pass: false, evidence: `missing: ${missing.map((t) => `“${t}”`).join(" ")}` };
  }
  return present.length === 0
    ? { pass: true, evidence: `none present: ${rule.terms.map((t) => `“${t}”`).join(" ")}` }
    : { pass: false, evidence: `present: ${present.map((t) => `“${t}”`).join(" ")}` };
}
