/**
 * Python `str` semantics that IFEval verdicts depend on. The reference evaluator is Python; JavaScript's string
 * methods disagree with it on the whitespace set, on what counts as "cased", and on code points vs UTF-16 units.
 * Every helper here reproduces CPython 3 behaviour for `str` (not `bytes`).
 */

/**
 * Characters for which Python's `str.isspace()` is true; also exactly what `re`'s `\s` matches in a `str` pattern.
 * Unlike JavaScript's `\s`/`trim()` it includes U+001C..U+001F and U+0085, and excludes U+FEFF.
 */
export const PY_WHITESPACE_CLASS =
  "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const WHITESPACE_RE = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`, "u");

/** Python `ch.isspace()` for one code point. */
export function isPySpace(ch: string): boolean {
  return WHITESPACE_RE.test(ch);
}

function isInSet(ch: string, chars: string | undefined): boolean {
  return chars === undefined ? isPySpace(ch) : chars.includes(ch);
}

/** Python `s.lstrip(chars)`; with no `chars`, strips Python whitespace. `chars` is a set of code points. */
export function pyLstrip(s: string, chars?: string): string {
  const cps = Array.from(s);
  let i = 0;
  while (i < cps.length && isInSet(cps[i], chars)) i++;
  return cps.slice(i).join("");
}

/** Python `s.rstrip(chars)`. */
export function pyRstrip(s: string, chars?: string): string {
  const cps = Array.from(s);
  let j = cps.length;
  while (j > 0 && isInSet(cps[j - 1], chars)) j--;
  return cps.slice(0, j).join("");
}

/** Python `s.strip(chars)`. */
export function pyStrip(s: string, chars?: string): string {
  return pyRstrip(pyLstrip(s, chars), chars);
}

/** Python `s.split()` (no separator): split on runs of Python whitespace, dropping empty pieces. */
export function pySplitWhitespace(s: string): string[] {
  return s.split(new RegExp(`[${PY_WHITESPACE_CLASS}]+`, "u")).filter((p) => p !== "");
}

/** Python `s.lower()`: full Unicode lowercase mapping (final sigma included), which `toLowerCase` also applies. */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

// Python's "cased" tests: Uppercase/Lowercase are the derived properties (Lu/Ll plus Other_Uppercase/Other_Lowercase),
// titlecase letters (Lt) count as "not lower" and "not upper".
const UPPER_RE = /\p{Uppercase}/u;
const LOWER_RE = /\p{Lowercase}/u;
const TITLE_RE = /\p{Lt}/u;

/** Python `s.isupper()`: no lowercase or titlecase character, and at least one uppercase one. */
export function pyIsUpper(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (LOWER_RE.test(ch) || TITLE_RE.test(ch)) return false;
    if (!cased && UPPER_RE.test(ch)) cased = true;
  }
  return cased;
}

/** Python `s.islower()`: no uppercase or titlecase character, and at least one lowercase one. */
export function pyIsLower(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (UPPER_RE.test(ch) || TITLE_RE.test(ch)) return false;
    if (!cased && LOWER_RE.test(ch)) cased = true;
  }
  return cased;
}

/** Python `len(s)`: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python `s.removeprefix(p)`. */
export function removePrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

/** Python `s.removesuffix(p)` (an empty suffix removes nothing, as in Python). */
export function removeSuffix(s: string, suffix: string): string {
  return suffix !== "" && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
}
