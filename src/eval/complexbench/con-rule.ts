import {
  PythonCrash,
  pyEvalRange,
  pyEvalStringList,
  pyInt,
  pyLen,
  pySplitWs,
  pyStrip,
  pyStripChars,
} from "./python-text.js";

/**
 * The ComplexBench rule language, ported branch by branch from upstream `evaluation/con_rule.py`
 * (thu-coai/ComplexBench @749f457) so that verdicts equal upstream's, quirks included:
 * - ASCII punctuation is mapped to full-width (and “ ” to ") before matching, but not in every branch
 *   (e.g. `model_keyword` matches the untranslated span against the translated keyword; `match:` compares the
 *   translated text with the untranslated pattern);
 * - starts/ends-with checks also accept the phrase followed by "。" or "？";
 * - `model_endswith_each` ignores the last span when there are several;
 * - any text containing "None" fails (or, for negative rules, passes) the non-model rules;
 * - an unknown rule yields 2. See `aggregate.ts` for how upstream's aggregation treats 2.
 * Where upstream would raise (a rule string its regexes cannot parse), we throw PythonCrash; the caller records
 * the question as failed with the error.
 */
export type RuleVerdict = boolean | 2;

const PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; // Python string.punctuation
const PUNCT_ZH = "！\"＃＄％＆'（）＊+，-。/：；<=>？@[＼]＾_`{|}~";
const PUNCT_MAP = new Map([...PUNCT].map((c, i) => [c, [...PUNCT_ZH][i]]));

/** extract_and_replace_punctuation_zh */
export function toZhPunct(text: string): string {
  let out = "";
  for (const ch of text) out += PUNCT_MAP.get(ch) ?? ch;
  return out.replaceAll("“", '"').replaceAll("”", '"');
}

/** decom: drop leading newlines, then one pair of surrounding quotes/backticks. */
export function decom(s: string | null | undefined): string {
  if (s === null || s === undefined || s === "") return "";
  while (s[0] === "\n") {
    s = s.slice(1);
    if (s === "") throw new PythonCrash("IndexError: string index out of range (decom)");
  }
  const chars = [...s];
  if (['"', "“", "`"].includes(chars[0]) && ['"', "”", "`"].includes(chars[chars.length - 1]))
    return chars.slice(1, -1).join("");
  return s;
}

/** extract_json: the first balanced {...} (brace counting as upstream, no string awareness). */
export function extractJson(s: string): string {
  if (!s.includes("{")) return "";
  let stack = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "{") {
      if (stack === 0) start = i;
      stack++;
    } else if (s[i] === "}") {
      stack--;
      if (stack === 0) return s.slice(start, i + 1);
    }
  }
  return "";
}

function keyword(s: string, keywords: string[]): boolean {
  let flag = true;
  for (const k of keywords) if (!s.includes(toZhPunct(k))) flag = false;
  return flag;
}

function forbiddenWord(s: string, words: string[]): boolean {
  let flag = true;
  for (const w of words) if (s.includes(toZhPunct(w))) flag = false;
  return flag;
}

function startswith(s: string, starts: string): boolean {
  const t = toZhPunct(starts);
  return s.startsWith(t) || s.startsWith(`${t}。`) || s.startsWith(`${t}？`);
}

function endswith(s: string, ends: string): boolean {
  const t = toZhPunct(ends);
  return s.endsWith(t) || s.endsWith(`${t}。`) || s.endsWith(`${t}？`);
}

function notEndswith(s: string, ends: string): boolean {
  return !endswith(s, ends);
}

function length(s: string, l: [number, number]): boolean {
  const n = pyLen(s);
  return n >= l[0] && n <= l[1];
}

function lengthWord(s: string, l: [number, number]): boolean {
  const n = pySplitWs(s).length;
  return n >= l[0] && n <= l[1];
}

function checkJson(s: string, keys: string[]): boolean {
  const text = extractJson(s);
  const wanted = keys.filter((k) => k !== "");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const have = Object.keys(v as object);
  for (const k of wanted) if (!have.includes(k)) return false;
  if (have.length !== wanted.length && wanted.length !== 0) return false;
  return true;
}

function constraintPunc(s: string, punc: string[]): boolean {
  const allowed = punc.map(toZhPunct);
  for (const p of PUNCT) {
    const q = toZhPunct(p);
    if (s.includes(q) && !allowed.includes(q)) return false;
  }
  return true;
}

// Python `$` (no MULTILINE) matches at the end or before a final newline; `.` excludes only "\n" unless DOTALL.
const END = "(?=\\n?$)";
const ANY = "[^\\n]";
const ALL = "[\\s\\S]";
const re = (src: string, dotall = false) => new RegExp(src.replaceAll("·", dotall ? ALL : ANY).replaceAll("$$", END));

const P = {
  keyword: re("keyword:(\\[·*?\\])$$"),
  forbidden: re("forbidden_word:(\\[·*?\\])$$"),
  startswith: re("startswith:(·*?)$$", true),
  endswith: re("endswith:(·*?)$$", true),
  startsEnds: re("startswith:(·*?)\\nendswith:(·*?)$$", true),
  notEndswith: re("not endswith:(·*?)$$", true),
  length: re("length:(\\[·*?\\])$$", true),
  lengthWord: re("length_word:(\\[·*?\\])$$", true),
  match: re("match:(·*?)$$"),
  json: re("Json:(\\[·*?\\])$$", true),
  punc: re("constraint_punc:(\\[·*?\\])$$"),
  mStarts: re("model_startswith:(·*?)$$", true),
  mEnds: re("model_endswith:(·*?)$$", true),
  mLengthWord: re("model_length_word:(\\[·*?\\])$$"),
  mKeywordNum: re("model_keyword_num:(\\[·*?\\])$$"),
  mForbiddenEach: re("model_forbidden_word_each:(\\[·*?\\])$$"),
  mForbidden: re("model_forbidden_word:(\\[·*?\\])$$"),
  mKeyNumAndForbiddenEach: re("model_keyword_num_each:(\\[·*?\\])\\nmodel_forbidden_word_each:(\\[·*?\\])$$", true),
  mKeywordNumEach: re("model_keyword_num_each:(\\[·*?\\])$$", true),
  mNotStarts: re("model_not_startswith:(·*?)$$", true),
  mNotEndsEach: re("model_not_endswith_each:(·*?)$$", true),
  mNotEnds: re("model_not_endswith:(·*?)$$", true),
  mStartsEnds: re("model_startswith:(·*?)\\nmodel_endswith:(·*?)$$", true),
  mPuncEach: re("model_constraint_punc_each:(\\[·*?\\])$$"),
  mPunc: re("model_constraint_punc:(\\[·*?\\])$$"),
  mStartsEach: re("model_startswith_each:(·*?)$$", true),
  mEndsEach: re("model_endswith_each:(·*?)$$", true),
  mStartsListEach: re("model_starts_with_list_each:(\\[·*?\\])$$"),
  mKeywordEach: re("model_keyword_each:(\\[·*?\\])$$"),
  mKeyword: re("model_keyword:(\\[·*?\\])$$"),
  mNumberEach: re("model_number_each:(\\[·*?\\])$$"),
  mLengthEach: re("model_length_each:(\\[·*?\\])$$"),
  mLengthWordEach: re("model_length_word_each:(\\[·*?\\])$$"),
  mLength: re("model_length:(\\[·*?\\])$$"),
};

/** First match's groups (re.findall(...)[0] / re.search(...).group(k)); upstream raises when there is none. */
function groups(pattern: RegExp, text: string): string[] {
  const m = pattern.exec(text);
  if (!m) throw new PythonCrash(`rule ${JSON.stringify(text)} does not match ${pattern.source}`);
  return m.slice(1);
}

/** `[x.strip() for x in k.strip('[]').split(',')]` */
function list(k: string): string[] {
  return pyStripChars(k, "[]")
    .split(",")
    .map((x) => pyStrip(x));
}

const isEmpty = (rs: string[]) => rs.length === 0 || (rs.length === 1 && rs[0] === "");

/** decompose_judge(point, rs): the verdict for rule `point` on the extracted spans `rs`. */
export function decomposeJudge(point: string, rs: string[]): RuleVerdict {
  rs = [...rs];
  const has = (x: string) => point.includes(x);
  if (has("model_keyword_each")) {
    if (isEmpty(rs)) return false;
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!keyword(toZhPunct(r), list(groups(P.mKeywordEach, point)[0]))) flag = false;
    }
    return flag;
  }
  if (has("model_keyword_num_each") && has("model_forbidden_word_each")) {
    if (isEmpty(rs)) return false;
    const [k, f] = groups(P.mKeyNumAndForbiddenEach, point);
    const ks = pyStripChars(k, "[]").split(",");
    const fs = pyStripChars(f, "[]").split(",");
    const L = pyInt(ks[0]);
    const R = pyInt(ks[1]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      let c1 = 0;
      let c2 = 0;
      for (const key of ks.slice(2)) c1 += keyword(r, [key]) ? 1 : 0;
      for (const w of fs) c2 += keyword(r, [w]) ? 1 : 0;
      if (c1 < L || c1 > R) flag = false;
      if (c2 > 0) flag = false;
    }
    return flag;
  }
  if (has("model_keyword_num_each")) {
    if (isEmpty(rs)) return false;
    const ks = pyStripChars(groups(P.mKeywordNumEach, point)[0], "[]").split(",");
    const L = pyInt(ks[0]);
    const R = pyInt(ks[1]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      let c = 0;
      for (const key of ks.slice(2)) c += keyword(r, [key]) ? 1 : 0;
      if (c < L || c > R) flag = false;
    }
    return flag;
  }
  if (has("model_keyword_num")) {
    if (isEmpty(rs)) return false;
    const ks = list(groups(P.mKeywordNum, point)[0]);
    const L = pyInt(ks[0]);
    const R = pyInt(ks[1]);
    let c = 0;
    for (const key of ks.slice(2)) c += keyword(rs[0], [key]) ? 1 : 0;
    return c >= L && c <= R;
  }
  if (has("model_keyword")) {
    if (isEmpty(rs)) return false;
    return keyword(rs[0], list(groups(P.mKeyword, point)[0]));
  }
  if (has("model_forbidden_word_each")) {
    if (isEmpty(rs)) return true;
    const words = list(groups(P.mForbiddenEach, point)[0]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!forbiddenWord(toZhPunct(r), words)) flag = false;
    }
    return flag;
  }
  if (has("model_forbidden_word")) {
    if (isEmpty(rs)) return true;
    return forbiddenWord(rs[0], list(groups(P.mForbidden, point)[0]));
  }
  if (has("model_number_each")) {
    if (isEmpty(rs)) return false;
    const n = pyEvalRange(groups(P.mNumberEach, point)[0]);
    return rs.length >= n[0] && rs.length <= n[1];
  }
  if (has("model_length_each")) {
    if (isEmpty(rs)) return false;
    const l = pyEvalRange(groups(P.mLengthEach, point)[0]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!length(r, l) && !length(decom(r), l)) flag = false;
    }
    return flag;
  }
  if (has("model_length_word_each")) {
    if (isEmpty(rs)) return false;
    const l = pyEvalRange(groups(P.mLengthWordEach, point)[0]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!lengthWord(r, l) && !lengthWord(decom(r), l)) flag = false;
    }
    return flag;
  }
  if (has("model_length_word")) {
    if (isEmpty(rs)) return false;
    const l = pyEvalRange(groups(P.mLengthWord, point)[0]);
    return lengthWord(rs[0], l) || lengthWord(decom(rs[0]), l);
  }
  if (has("model_length:")) {
    if (isEmpty(rs)) return false;
    const l = pyEvalRange(groups(P.mLength, point)[0]);
    return length(decom(rs[0]), l) || length(rs[0], l);
  }
  if (has("model_startswith_each")) {
    if (isEmpty(rs)) return false;
    const s = groups(P.mStartsEach, point)[0];
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!startswith(toZhPunct(r), s)) flag = false;
    }
    return flag;
  }
  if (has("model_starts_with_list_each")) {
    if (isEmpty(rs)) return false;
    const ks = list(groups(P.mStartsListEach, point)[0]);
    if (rs.length !== ks.length) return false;
    let flag = true;
    rs.forEach((r, i) => {
      if (r === "") return;
      if (!startswith(toZhPunct(r), ks[i])) flag = false;
    });
    return flag;
  }
  if (has("model_startswith") && has("model_endswith")) {
    if (isEmpty(rs)) return false;
    const r0 = toZhPunct(rs[0]);
    const [s, e] = groups(P.mStartsEnds, point);
    return startswith(r0, s) && endswith(r0, e);
  }
  if (has("model_startswith")) {
    if (isEmpty(rs)) return false;
    return startswith(toZhPunct(rs[0]), groups(P.mStarts, point)[0]);
  }
  if (has("model_endswith_each")) {
    if (isEmpty(rs)) return false;
    const e = groups(P.mEndsEach, point)[0];
    if (rs.length !== 1) rs = rs.slice(0, -1);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      const t = toZhPunct(r);
      if (!endswith(decom(t), e) && !endswith(t, e)) flag = false;
    }
    return flag;
  }
  if (has("model_endswith")) {
    if (isEmpty(rs)) return false;
    return endswith(toZhPunct(rs[0]), groups(P.mEnds, point)[0]);
  }
  if (has("model_constraint_punc_each")) {
    if (isEmpty(rs)) return false;
    const p = list(groups(P.mPuncEach, point)[0]);
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      const t = toZhPunct(r);
      if (!constraintPunc(decom(t), p) && !constraintPunc(t, p)) flag = false;
    }
    return flag;
  }
  if (has("model_constraint_punc")) {
    if (isEmpty(rs)) return false;
    return constraintPunc(decom(rs[0]), list(groups(P.mPunc, point)[0]));
  }
  if (has("model_not_startswith")) {
    if (isEmpty(rs)) return true;
    return !startswith(toZhPunct(rs[0]), groups(P.mNotStarts, point)[0]);
  }
  if (has("model_not_endswith_each")) {
    if (isEmpty(rs)) return true;
    const e = groups(P.mNotEndsEach, point)[0];
    let flag = true;
    for (const r of rs) {
      if (r === "") continue;
      if (!notEndswith(toZhPunct(r), e)) flag = false;
    }
    return flag;
  }
  if (has("model_not_endswith")) {
    if (isEmpty(rs)) return true;
    return notEndswith(toZhPunct(rs[0]), groups(P.mNotEnds, point)[0]);
  }
  if (has("model") || has("each")) return 2;
  if (rs.length === 0) return rule("", point);
  // Python `a or b`: the first truthy value (True or 2), else b.
  const first = rule(decom(rs[0]), point);
  return first ? first : rule(rs[0], point);
}

/** rule(s, point): the whole-text rules. */
export function rule(s: string, point: string): RuleVerdict {
  const has = (x: string) => point.includes(x);
  const blank = s === "" || s.includes("None");
  if (has("model")) return 2;
  if (has("keyword") && has("forbidden_word")) {
    if (blank) return false;
    const t = toZhPunct(s);
    // Both lists are parsed before either check (upstream raises if either pattern is missing).
    const ks = list(groups(P.keyword, point)[0]);
    const fs = list(groups(P.forbidden, point)[0]);
    return keyword(t, ks) && forbiddenWord(t, fs);
  }
  if (has("keyword") && !has("keyword_num")) {
    if (blank) return false;
    return keyword(toZhPunct(s), list(groups(P.keyword, point)[0]));
  }
  if (has("match")) {
    if (blank) return false;
    const t = toZhPunct(s);
    const m = groups(P.match, point)[0];
    return t === m || t === `${m}。` || t === `${m}.`;
  }
  if (has("constraint_punc")) {
    if (blank) return false;
    return constraintPunc(toZhPunct(s), list(groups(P.punc, point)[0]));
  }
  if (has("forbidden_word")) {
    if (blank) return true;
    return forbiddenWord(toZhPunct(s), list(groups(P.forbidden, point)[0]));
  }
  if (has("startswith") && has("endswith")) {
    if (blank) return false;
    const t = toZhPunct(s);
    const [a, b] = groups(P.startsEnds, point);
    return startswith(t, a) && endswith(t, b);
  }
  if (has("startswith")) {
    if (blank) return false;
    return startswith(toZhPunct(s), groups(P.startswith, point)[0]);
  }
  if (has("not endswith")) {
    if (blank) return true;
    return notEndswith(toZhPunct(s), groups(P.notEndswith, point)[0]);
  }
  if (has("endswith")) {
    if (blank) return false;
    return endswith(toZhPunct(s), groups(P.endswith, point)[0]);
  }
  if (has("length_word:")) {
    if (blank) return false;
    return lengthWord(toZhPunct(s), pyEvalRange(groups(P.lengthWord, point)[0]));
  }
  if (has("length:")) {
    if (blank) return false;
    return length(toZhPunct(s), pyEvalRange(groups(P.length, point)[0]));
  }
  if (has("Json")) {
    if (blank) return false;
    return checkJson(s, pyEvalStringList(groups(P.json, pyStrip(point))[0]));
  }
  return 2;
}
