/**
 * langdetect's character normalisation and n-gram extraction.
 *
 * Each character is first mapped to a representative so that scripts with huge alphabets share statistics:
 * ASCII non-letters, some Latin-1 symbols and General Punctuation become spaces; all Hiragana, all Katakana, all
 * Bopomofo and all Hangul syllables collapse to one character each; CJK ideographs map to the first member of their
 * frequency class; Romanian comma-below letters become cedilla letters; Farsi yeh becomes Arabic yeh; Vietnamese
 * precomposed letters from U+1EA0 on collapse to one. Vietnamese letter + combining mark pairs are precomposed first.
 * Grams are the last 1, 2 and 3 characters of the current word (with its leading space); inside an ALL-CAPS word
 * (two upper-case characters in a row) no grams are produced.
 */
import { readFileSync } from "node:fs";
import { bundledDataPath } from "../../../../util/paths.js";

interface NgramTables {
  latin1_excluded: string;
  cjk_classes: string[];
  vi_letters: string;
  vi_marks: string;
  vi_normalized: string[];
}

interface Tables {
  latin1Excluded: Set<string>;
  cjkMap: Map<string, string>;
  viPattern: RegExp;
  viLetters: string[];
  viMarks: string[];
  viNormalized: string[][];
}

let tables: Tables | undefined;

function loadTables(): Tables {
  if (!tables) {
    const raw = JSON.parse(readFileSync(bundledDataPath("langdetect", "ngram-tables.json"), "utf8")) as NgramTables;
    const cjkMap = new Map<string, string>();
    // Classes are applied in file order, so a character listed twice belongs to the later class.
    for (const cls of raw.cjk_classes) {
      const chars = [...cls];
      for (const ch of chars) cjkMap.set(ch, chars[0] as string);
    }
    tables = {
      latin1Excluded: new Set(raw.latin1_excluded),
      cjkMap,
      viPattern: new RegExp(`([${raw.vi_letters}])([${raw.vi_marks}])`, "gu"),
      viLetters: [...raw.vi_letters],
      viMarks: [...raw.vi_marks],
      viNormalized: raw.vi_normalized.map((s) => [...s]),
    };
  }
  return tables;
}

/** Precompose Vietnamese base letter + combining mark pairs (grave, acute, tilde, hook, dot below). */
export function normalizeVi(text: string): string {
  const t = loadTables();
  return text.replace(t.viPattern, (_m, letter: string, mark: string) => {
    return t.viNormalized[t.viMarks.indexOf(mark)]?.[t.viLetters.indexOf(letter)] ?? "";
  });
}

/** The representative of one character (a code point). */
export function normalizeChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (cp <= 0x7f) {
    const isLetter = (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
    return isLetter ? ch : " ";
  }
  if (cp <= 0xff) return loadTables().latin1Excluded.has(ch) ? " " : ch;
  if (cp >= 0x180 && cp <= 0x24f) {
    if (cp === 0x219) return "\u015f";
    if (cp === 0x21b) return "\u0163";
    return ch;
  }
  if (cp >= 0x600 && cp <= 0x6ff) return cp === 0x6cc ? "\u064a" : ch;
  if (cp >= 0x1e00 && cp <= 0x1eff) return cp >= 0x1ea0 ? "\u1ec3" : ch;
  if (cp >= 0x2000 && cp <= 0x206f) return " ";
  if (cp >= 0x3040 && cp <= 0x309f) return "\u3042";
  if (cp >= 0x30a0 && cp <= 0x30ff) return "\u30a2";
  if ((cp >= 0x3100 && cp <= 0x312f) || (cp >= 0x31a0 && cp <= 0x31bf)) return "\u3105";
  if (cp >= 0x4e00 && cp <= 0x9fff) return loadTables().cjkMap.get(ch) ?? ch;
  if (cp >= 0xac00 && cp <= 0xd7af) return "\uac00";
  return ch;
}

const UPPER_RE = /^\p{Uppercase}$/u;

/** Python's `ch.isupper()` for one character. */
function isUpper(ch: string): boolean {
  return UPPER_RE.test(ch);
}

/**
 * All 1-3-grams of a cleaned text that `accept` approves (langdetect keeps only grams some profile knows), in text
 * order. `chars` are code points.
 */
export function extractNgrams(chars: readonly string[], accept: (gram: string) => boolean): string[] {
  const result: string[] = [];
  // The current word's last (up to) three normalised characters; c1 is the oldest, "" when not yet filled.
  // A word starts with the space before it: (" ", "", "") after a space.
  let c1 = " ";
  let c2 = "";
  let c3 = "";
  let capitalWord = false;
  for (const raw of chars) {
    const ch = normalizeChar(raw);
    const last = c3 || c2 || c1;
    if (last === " ") {
      c1 = " ";
      c2 = "";
      c3 = "";
      capitalWord = false;
      if (ch === " ") continue;
    }
    if (c2 === "") c2 = ch;
    else if (c3 === "") c3 = ch;
    else {
      c1 = c2;
      c2 = c3;
      c3 = ch;
    }
    capitalWord = isUpper(ch) ? capitalWord || isUpper(last) : false;
    if (capitalWord) continue;
    if (ch !== " " && accept(ch)) result.push(ch);
    const two = c3 ? c2 + c3 : c1 + c2;
    if (accept(two)) result.push(two);
    if (c3) {
      const three = c1 + two;
      if (accept(three)) result.push(three);
    }
  }
  return result;
}
