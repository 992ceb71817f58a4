import { cjkShare } from "./count.js";
import type { Rule, RuleCheck } from "./types.js";

/**
 * Response language: "使用英文回答/撰写", "全英文", "对话完全用英文进行", "用中文回答", "respond in English".
 * Skipped when both languages are named ("代码使用英文编写，包含中文用户界面元素"), for programming languages,
 * and for translation tasks ("翻译成英文": the output language is the target, but often with the source kept).
 * Check: English means CJK characters are at most 2% of CJK + Latin letters; Chinese means at least 50%.
 */
const ZH_NAME = "(?:中文|汉语|简体中文|普通话)";
const EN_NAME = "(?:英文|英语)";
const VERB = "(?:回答|回复|作答|撰写|书写|编写|写作|写|输出|表达|进行|呈现|描述|交流|对话|完成|翻译)";
const HOW = "(?:使用|用|以|采用|全部用|全部使用|完全用|完全使用|只用|仅用|必须用|必须使用|全)";

export function detectLanguage(constraint: string): Rule[] {
  const text = constraint.normalize("NFKC");
  const zh = new RegExp(ZH_NAME).test(text);
  const en = new RegExp(EN_NAME).test(text) || /\benglish\b/i.test(text);
  if (zh && en) return [];
  if (/翻译|translat|代码|函数|程序|变量|注释|界面|code|comment/iu.test(text)) return [];
  let m: RegExpExecArray | null;
  if (
    (m = new RegExp(`${HOW}\\s*${EN_NAME}\\s*${VERB}|全${EN_NAME}|${EN_NAME}(?:撰写|写作|回答|回复)`, "u").exec(text))
  )
    return [{ kind: "language", lang: "en", matched: m[0] }];
  if (
    (m = /\b(?:respond|answer|reply|write|written)\s+(?:\w+\s+){0,3}in\s+english\b|\bin\s+english\s+only\b/iu.exec(
      text,
    ))
  )
    return [{ kind: "language", lang: "en", matched: m[0] }];
  if ((m = new RegExp(`${HOW}\\s*${ZH_NAME}\\s*${VERB}|全${ZH_NAME}`, "u").exec(text)))
    return [{ kind: "language", lang: "zh", matched: m[0] }];
  if ((m = /\b(?:respond|answer|reply|write|written)\s+(?:\w+\s+){0,3}in\s+chinese\b/iu.exec(text)))
    return [{ kind: "language", lang: "zh", matched: m[0] }];
  return [];
}

export function checkLanguage(rule: Extract<Rule, { kind: "language" }>, response: string): RuleCheck {
  const { cjk, latin, share } = cjkShare(response);
  const ev = `${cjk} CJK characters, ${latin} Latin letters (CJK share ${(share * 100).toFixed(1)}%)`;
  if (cjk + latin === 0) return { pass: false, evidence: "no letters at all" };
  return { pass: rule.lang === "en" ? share <= 0.02 : share >= 0.5, evidence: ev };
}
