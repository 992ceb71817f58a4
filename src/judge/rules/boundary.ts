import { LEADING_DECOR, norm, quotes, stripMarkdown, TRAILING_PUNCT } from "./text-utils.js";
import type { Rule, RuleCheck } from "./types.js";

/**
 * Start and end phrases of the whole response: "以“X”开头", "开头必须是“X”", "以“X”作为结尾/结束语",
 * "结尾必须为“X”", 'start with "X"', 'end your response with "X"'. Skipped for parts (每段/每句/标题/
 * 第N段/each paragraph…). The check ignores surrounding whitespace, markdown decoration and quotes, and
 * trailing punctuation on both sides (as ComplexBench's rules tolerate a trailing 。 or ？).
 */
const PART = /每|各|标题|题目|段|句子|小节|章节|部分|条|项|each|every|paragraph|sentence|section|title|line/iu;
const START_AFTER = /^\s*(?:作为|为)?\s*(?:开头|开始|开篇|开场白|开场|起始|首句)/u;
const END_AFTER = /^\s*(?:作为|为)?\s*(?:结尾|结束语|结束|收尾|结语|结束句|最后一句|落款)/u;
const START_BEFORE = /(?:开头|开篇|开场白|首句|第一句)(?:话)?\s*(?:必须|需要|需|应该|应|要)?\s*(?:是|为|使用|用)\s*$/u;
const END_BEFORE =
  /(?:结尾|结束语|结语|最后一句|末尾|最后)(?:话)?\s*(?:必须|需要|需|应该|应|要)?\s*(?:是|为|使用|用)\s*$/u;
const EN_START = /\b(?:start|begin)s?\s+(?:your\s+(?:response|answer|reply)\s+)?with\s*$/iu;
const EN_END = /\b(?:end|finish|conclude)s?\s+(?:your\s+(?:response|answer|reply)\s+)?with\s*$/iu;

const CODE = /字符串|函数|代码|程序|返回|变量|输出结果|string|function|return/iu;

export function detectBoundary(constraint: string): Rule[] {
  const text = constraint.normalize("NFC");
  if (CODE.test(text)) return [];
  if (PART.test(text.replace(/开头|结尾|结束语|first sentence/gu, ""))) return [];
  const out: Rule[] = [];
  for (const q of quotes(text)) {
    if (q.text === "") continue;
    const before = text.slice(0, q.index);
    const after = text.slice(q.end);
    const viaYi = /以\s*$/u.test(before);
    if ((viaYi && START_AFTER.test(after)) || START_BEFORE.test(before) || EN_START.test(before))
      out.push({ kind: "starts_with", phrase: q.text, matched: text.slice(Math.max(0, q.index - 8), q.end + 6) });
    else if ((viaYi && END_AFTER.test(after)) || END_BEFORE.test(before) || EN_END.test(before))
      out.push({ kind: "ends_with", phrase: q.text, matched: text.slice(Math.max(0, q.index - 8), q.end + 6) });
  }
  return out;
}

function clean(s: string): string {
  return norm(stripMarkdown(s));
}

export function checkBoundary(rule: Extract<Rule, { kind: "starts_with" | "ends_with" }>, response: string): RuleCheck {
  const phrase = clean(rule.phrase).replace(TRAILING_PUNCT, "").replace(LEADING_DECOR, "");
  if (rule.kind === "starts_with") {
    const head = clean(response).replace(LEADING_DECOR, "");
    const ok = head.startsWith(phrase);
    return { pass: ok, evidence: `starts: “${[...head].slice(0, [...phrase].length + 8).join("")}”` };
  }
  const tail = clean(response).replace(TRAILING_PUNCT, "");
  const chars = [...tail];
  if (tail.endsWith(phrase))
    return {
      pass: true,
      evidence: `ends: “${chars.slice(Math.max(0, chars.length - [...phrase].length - 8)).join("")}”`,
    };
  // A closing formula followed only by a short sign-off (name, date: at most 2 short lines) still ends the text.
  const lines = response.split("\n").filter((l) => l.trim() !== "");
  for (let k = 1; k <= 2 && k < lines.length; k++) {
    const signOff = lines.slice(lines.length - k);
    if (signOff.some((l) => [...l.trim()].length > 30)) break;
    const body = clean(lines.slice(0, lines.length - k).join("\n")).replace(TRAILING_PUNCT, "");
    if (body.endsWith(phrase)) return { pass: true, evidence: `ends with the phrase followed by a ${k}-line sign-off` };
  }
  return {
    pass: false,
    evidence: `ends: “${chars.slice(Math.max(0, chars.length - [...phrase].length - 8)).join("")}”`,
  };
}
