/**
 * Python `str` / `re` character semantics that the IFEval reference relies on and that JavaScript does differently.
 *
 * - Python's whitespace (`str.isspace`, `re` `\s`, `strip()`, `split()`) includes `\x1c`-`\x1f` and `\x85` but not
 *   `\ufeff`; JavaScript's `\s` and `trim()` are the other way round.
 * - Python's `re` `\w` is Unicode-aware (letters, numbers, underscore; combining marks excluded), `\d` is any decimal
 *   digit (Nd); JavaScript's are ASCII-only even with the `u` flag.
 * - `str.isupper()` / `str.islower()` on one character use the Unicode Uppercase / Lowercase properties.
 *
 * The constants are regex *source fragments* (character-class bodies or classes) meant for `u`-flag regexes.
 * Differences left: characters added after Unicode 14 (Python 3.11's database) may be classified differently.
 */

/** Body of a character class with Python's whitespace characters (`str.isspace()`). */
export const PY_SPACE_CHARS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Python `\s`. */
export const PY_S = `[${PY_SPACE_CHARS}]`;
/** Python `\S`. */
export const PY_NOT_S = `[^${PY_SPACE_CHARS}]`;
/** Body of a character class with Python's `\w` characters. */
export const PY_WORD_CHARS = "\\p{L}\\p{N}_";
/** Python `\w`. */
export const PY_W = `[${PY_WORD_CHARS}]`;
/** Python `\d` (Unicode decimal digits). */
export const PY_D = "\\p{Nd}";
/** Python `\b` (Unicode word boundary). */
export const PY_B = `(?:(?<=${PY_W})(?!${PY_W})|(?<!${PY_W})(?=${PY_W}))`;
/** Python `re` `.` without DOTALL: any character but `\n` (JavaScript's `.` also stops at `\r`, U+2028, U+2029). */
export const PY_DOT = "[^\\n]";
/** Python `$` without MULTILINE: the end of the string, or just before a newline that ends it. */
export const PY_END = "(?=\\n?(?![\\s\\S]))";

const SPACE_RE = new RegExp(`^${PY_S}$`, "u");
const LEADING_SPACE_RE = new RegExp(`^${PY_S}+`, "u");
const TRAILING_SPACE_RE = new RegExp(`${PY_S}+$`, "u");
const SPLIT_SPACE_RE = new RegExp(`${PY_S}+`, "u");
const UPPER_RE = /^\p{Uppercase}$/u;
const LOWER_RE = /^\p{Lowercase}$/u;
const TITLE_RE = /^\p{Lt}$/u;

/** `ch.isspace()` for one character. */
export function isPySpace(ch: string): boolean {
  return SPACE_RE.test(ch);
}

/** `s.strip()` with Python's whitespace. */
export function pyStrip(s: string): string {
  return pyRstrip(s.replace(LEADING_SPACE_RE, ""));
}

/** `s.rstrip()` with Python's whitespace. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING_SPACE_RE, "");
}

/** `s.split()` (no separator): runs of Python whitespace separate, empty pieces dropped. */
export function pySplit(s: string): string[] {
  return s.split(SPLIT_SPACE_RE).filter((t) => t !== "");
}

/** The first code point of `s` (Python's `s[0]`), or "" for an empty string. */
export function firstCodePoint(s: string): string {
  const cp = s.codePointAt(0);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

/** `ch.isupper()` for a single character (code point). */
export function isPyUpperChar(ch: string): boolean {
  return UPPER_RE.test(ch);
}

/** `ch.islower()` for a single character (code point). */
export function isPyLowerChar(ch: string): boolean {
  return LOWER_RE.test(ch);
}

/** `s.isupper()`: at least one cased character, and none lower-case or title-case. */
export function pyIsUpper(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (LOWER_RE.test(ch) || TITLE_RE.test(ch)) return false;
    if (UPPER_RE.test(ch)) cased = true;
  }
  return cased;
}

/** `s.islower()`: at least one cased character, and none upper-case or title-case. */
export function pyIsLower(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (UPPER_RE.test(ch) || TITLE_RE.test(ch)) return false;
    if (LOWER_RE.test(ch)) cased = true;
  }
  return cased;
}
