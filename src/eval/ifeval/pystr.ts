/**
 * Python `str` semantics that IFEval verdicts depend on. The reference evaluator is Python; JavaScript's string
 * methods disagree with it on the whitespace set, on what counts as "cased", and on code points vs UTF-16 units.
 * Every helper here reproduces CPython 3 behaviour for `str` (not `bytes`).
 */

import { PY_SPACE_CHARS } from "./text/python-chars.js";

/**
 * Characters for which Python's `str.isspace()` is true; also exactly what `re`'s `\s` matches in a `str` pattern.
 * Unlike JavaScript's `\s`/`trim()` it includes U+001C..U+001F and U+0085, and excludes U+FEFF. (One definition,
 * shared with the text utilities.)
 */
export const PY_WHITESPACE_CLASS = PY_SPACE_CHARS;

const WHITESPACE_RE = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`, "u");

/** Python `ch.isspace()` for one code point. */
export function isPySpace(ch: string): boolean {
  return WHITESPACE_RE.test(ch);
}

// Every Python whitespace character is in the BMP, so the default strip can scan UTF-16 units.
const WHITESPACE_UNITS = new Set(
  Array.from({ length: 0x3001 }, (_, c) => String.fromCharCode(c)).filter((ch) => WHITESPACE_RE.test(ch)),
);

function isInSet(ch: string, chars: string | undefined): boolean {
  return chars === undefined ? isPySpace(ch) : chars.includes(ch);
}

/** A strip whose set can be tested one UTF-16 unit at a time (no surrogates in it): the fast path. */
function unitSet(chars: string | undefined): Set<string> | undefined {
  if (chars === undefined) return WHITESPACE_UNITS;
  return /[\ud800-\udfff]/.test(chars) ? undefined : new Set(chars);
}

function stripSide(s: string, chars: string | undefined, left: boolean, right: boolean): string {
  const units = unitSet(chars);
  if (units) {
    let i = 0;
    let j = s.length;
    if (left) while (i < j && units.has(s[i])) i++;
    if (right) while (j > i && units.has(s[j - 1])) j--;
    return s.slice(i, j);
  }
  // Reference path for sets with astral characters: work on code points.
  const cps = Array.from(s);
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && isInSet(cps[i], chars)) i++;
  if (right) while (j > i && isInSet(cps[j - 1], chars)) j--;
  return cps.slice(i, j).join("");
}

/** Python `s.lstrip(chars)`; with no `chars`, strips Python whitespace. `chars` is a set of code points. */
export function pyLstrip(s: string, chars?: string): string {
  return stripSide(s, chars, true, false);
}

/** Python `s.rstrip(chars)`. */
export function pyRstrip(s: string, chars?: string): string {
  return stripSide(s, chars, false, true);
}

/** Python `s.strip(chars)`. */
export function pyStrip(s: string, chars?: string): string {
  return stripSide(s, chars, true, true);
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
// titlecase letters (Lt) count as neither upper nor lower. `isupper` is "no lowercase or titlecase character and at
// least one uppercase one", which two whole-string scans express; text/python-chars.ts has the per-character
// reference loop these are tested against.
const NOT_UPPER_RE = /[\p{Lowercase}\p{Lt}]/u;
const NOT_LOWER_RE = /[\p{Uppercase}\p{Lt}]/u;
const UPPER_RE = /\p{Uppercase}/u;
const LOWER_RE = /\p{Lowercase}/u;

/** Python `s.isupper()`: no lowercase or titlecase character, and at least one uppercase one. */
export function pyIsUpper(s: string): boolean {
  return !NOT_UPPER_RE.test(s) && UPPER_RE.test(s);
}

/** Python `s.islower()`: no uppercase or titlecase character, and at least one lowercase one. */
export function pyIsLower(s: string): boolean {
  return !NOT_LOWER_RE.test(s) && LOWER_RE.test(s);
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
