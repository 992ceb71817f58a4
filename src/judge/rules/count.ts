/**
 * Counting conventions for length constraints, as a TRACE user (and the Chinese word processors they use)
 * counts "字":
 * - every CJK character (Han ideographs incl. extensions, kana, hangul) counts 1;
 * - every maximal run of Latin letters, digits and the joiners ' - . within it (an English word or a number such
 *   as 3.14 or 2024) counts 1;
 * - punctuation (Chinese or ASCII), whitespace, emoji and markdown symbols count 0.
 * English "words" are whitespace-separated tokens that contain at least one letter or digit.
 * Characters (字符) are code points other than whitespace.
 */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;

export function countChineseChars(text: string): number {
  let n = 0;
  for (const m of text.matchAll(TOKEN)) if (CJK.test(m[0]) || /[\p{L}\p{N}]/u.test(m[0])) n++;
  return n;
}

/** English words: whitespace-separated tokens with at least one letter or digit (so "well-known" and "42" count 1). */
export function countWhitespaceWords(text: string): number {
  return text.split(/\s+/u).filter((t) => /[\p{L}\p{N}]/u.test(t)).length;
}

export function countCodePoints(text: string): number {
  let n = 0;
  for (const ch of text) if (!/\s/u.test(ch)) n++;
  return n;
}

/** Share of CJK characters among CJK characters plus Latin letters (0 when there are neither). */
export function cjkShare(text: string): { cjk: number; latin: number; share: number } {
  let cjk = 0;
  let latin = 0;
  for (const ch of text) {
    if (CJK.test(ch)) cjk++;
    else if (/\p{Script=Latin}/u.test(ch)) latin++;
  }
  return { cjk, latin, share: cjk + latin === 0 ? 0 : cjk / (cjk + latin) };
}

/** Parse an Arabic ("1,500", "３００") or simple Chinese ("五百", "两千五百", "十二") number; undefined if not one. */
export function parseNumber(raw: string): number | undefined {
  const s = raw.normalize("NFKC").replace(/[,，\s]/g, "");
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十百千万]+$/.test(s)) return undefined;
  const digit: Record<string, number> = {
    零: 0,
    〇: 0,
    一: 1,
    二: 2,
    两: 2,
    三: 3,
    四: 4,
    五: 5,
    六: 6,
    七: 7,
    八: 8,
    九: 9,
  };
  const unit: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  let total = 0;
  let section = 0;
  let current = 0;
  for (const ch of s) {
    if (ch in digit) current = digit[ch];
    else if (ch in unit) {
      section += (current === 0 && ch === "十" ? 1 : current) * unit[ch];
      current = 0;
    } else if (ch === "万") {
      total += (section + current) * 10000;
      section = 0;
      current = 0;
    }
  }
  return total + section + current;
}
