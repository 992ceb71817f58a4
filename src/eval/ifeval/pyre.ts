import { PY_WHITESPACE_CLASS } from "./pystr.js";
// Python `str`-pattern `\w`: `str.isalnum()` characters and `_`, i.e. letters and numbers (no combining marks).
import { PY_WORD_CHARS } from "./text/python-chars.js";

/**
 * Python `re` patterns run on JavaScript's RegExp engine. IFEval inserts user kwargs (keywords, forbidden words,
 * section splitters) into patterns without escaping, so those kwargs are Python regex syntax; and even the fixed
 * patterns mean something different in JavaScript: Python's `\w`, `\d`, `\s` and `\b` are Unicode-aware, `.` excludes
 * only `\n`, and MULTILINE `^`/`$` break only at `\n`. `translatePyPattern` rewrites a Python pattern into an
 * equivalent JavaScript pattern (always compiled with the `u` flag) and rejects what it cannot express.
 */

export interface PyReFlags {
  ignoreCase?: boolean;
  multiline?: boolean;
  dotAll?: boolean;
}

const WORD = `[${PY_WORD_CHARS}]`;
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
const NOT_BOUNDARY = `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;

/** A pattern Python's `re` would reject, or that has no JavaScript equivalent here. */
export class PyRegexError extends Error {
  constructor(
    readonly pattern: string,
    detail: string,
  ) {
    super(`cannot use regex ${JSON.stringify(pattern)}: ${detail}`);
    this.name = "PyRegexError";
  }
}

// Characters that must be escaped to be literal in a JavaScript `u`-mode pattern.
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));
const QUANTIFIER_BRACES = /^\{(\d*)(?:,(\d*))?\}/;

function literal(ch: string, inClass: boolean): string {
  if (JS_SYNTAX.has(ch) || (inClass && ch === "-")) return `\\${ch}`;
  return ch;
}

/** Parse an escape (the text after a backslash at `i`); returns its JS text and the index after it. */
function translateEscape(p: string, i: number, inClass: boolean, pattern: string): [string, number] {
  const c = p[i];
  if (c === undefined) throw new PyRegexError(pattern, "bad escape (end of pattern)");
  const simple: Record<string, string> = inClass
    ? { d: "\\p{Nd}", w: PY_WORD_CHARS, s: PY_WHITESPACE_CLASS, b: "\\x08" }
    : {
        d: "\\p{Nd}",
        D: "\\P{Nd}",
        w: WORD,
        W: `[^${PY_WORD_CHARS}]`,
        s: `[${PY_WHITESPACE_CLASS}]`,
        S: `[^${PY_WHITESPACE_CLASS}]`,
        b: BOUNDARY,
        B: NOT_BOUNDARY,
        A: "(?<![\\s\\S])",
        Z: "(?![\\s\\S])",
      };
  if (c in simple) return [simple[c], i + 1];
  const controls: Record<string, string> = { n: "\\n", t: "\\t", r: "\\r", f: "\\f", v: "\\x0b", a: "\\x07" };
  if (c in controls) return [controls[c], i + 1];
  if (c === "x" || c === "u" || c === "U") {
    const width = c === "x" ? 2 : c === "u" ? 4 : 8;
    const hex = p.slice(i + 1, i + 1 + width);
    if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new PyRegexError(pattern, `bad escape \\${c}`);
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff) throw new PyRegexError(pattern, `bad escape \\${c}${hex}`);
    return [`\\u{${cp.toString(16)}}`, i + 1 + width];
  }
  if (c === "0") {
    // Octal escape: \0 followed by up to two more octal digits.
    const m = /^0[0-7]{0,2}/.exec(p.slice(i))!;
    return [`\\u{${Number.parseInt(m[0], 8).toString(16)}}`, i + m[0].length];
  }
  if (/[1-9]/.test(c)) {
    if (inClass) throw new PyRegexError(pattern, "octal/backreference escapes inside a class are not supported");
    const m = /^[0-9]{1,2}/.exec(p.slice(i))!;
    return [`\\${m[0]}`, i + m[0].length];
  }
  if (/[A-Za-z]/.test(c)) throw new PyRegexError(pattern, `bad escape \\${c}`);
  // Python: a backslash before any other character makes it literal.
  const cp = p.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return [literal(ch, inClass), i + ch.length];
}

/** Translate a Python `re` pattern into a JavaScript pattern source plus the flags it needs (besides `u`). */
export function translatePyPattern(pattern: string, flags: PyReFlags = {}): { source: string; flags: string } {
  let { ignoreCase = false, multiline = false, dotAll = false } = flags;
  let p = pattern;
  // Global inline flags at the start, e.g. "(?i)".
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (inline) {
    for (const f of inline[1]) {
      if (f === "i") ignoreCase = true;
      else if (f === "m") multiline = true;
      else if (f === "s") dotAll = true;
      else if (f === "x") throw new PyRegexError(pattern, "verbose mode (?x) is not supported");
    }
    p = p.slice(inline[0].length);
  }
  let out = "";
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\") {
      const [js, next] = translateEscape(p, i + 1, false, pattern);
      out += js;
      i = next;
    } else if (c === "[") {
      // Character class. A "]" right after "[" or "[^" is literal in Python.
      let cls = "[";
      i++;
      if (p[i] === "^") {
        cls += "^";
        i++;
      }
      let first = true;
      for (;;) {
        if (i >= p.length) throw new PyRegexError(pattern, "unterminated character set");
        const d = p[i];
        if (d === "]" && !first) {
          i++;
          break;
        }
        if (d === "\\") {
          if (p[i + 1] === "D" || p[i + 1] === "W" || p[i + 1] === "S")
            throw new PyRegexError(pattern, `\\${p[i + 1]} inside a character set is not supported`);
          const [js, next] = translateEscape(p, i + 1, true, pattern);
          cls += js;
          i = next;
        } else if (d === "]" || d === "[") {
          cls += `\\${d}`;
          i++;
        } else {
          const ch = String.fromCodePoint(p.codePointAt(i)!);
          cls += d === "-" ? "-" : literal(ch, true);
          i += ch.length;
        }
        first = false;
      }
      out += `${cls}]`;
    } else if (c === ".") {
      out += dotAll ? "[\\s\\S]" : "[^\\n]";
      i++;
    } else if (c === "^") {
      out += multiline ? "(?<![^\\n])" : "(?<![\\s\\S])";
      i++;
    } else if (c === "$") {
      // Python `$`: end of string or before a final "\n"; with MULTILINE, before any "\n".
      out += multiline ? "(?=\\n|(?![\\s\\S]))" : "(?=\\n?(?![\\s\\S]))";
      i++;
    } else if (c === "{") {
      const m = QUANTIFIER_BRACES.exec(p.slice(i));
      if (m && m[0] !== "{}") {
        out += m[2] === undefined ? `{${m[1]}}` : `{${m[1] || "0"},${m[2]}}`;
        i += m[0].length;
      } else {
        out += "\\{";
        i++;
      }
    } else if (c === "}" || c === "]") {
      out += `\\${c}`;
      i++;
    } else if (c === "(") {
      const rest = p.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += m[0].length;
      } else if ((m = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        out += `\\k<${m[1]}>`;
        i += m[0].length;
      } else if ((m = /^\(\?#[^)]*\)/.exec(rest))) {
        i += m[0].length;
      } else if (/^\(\?(?:[:=!]|<[=!])/.test(rest) || !rest.startsWith("(?")) {
        out += "(";
        i++;
      } else {
        throw new PyRegexError(pattern, "this group syntax is not supported");
      }
    } else {
      const ch = String.fromCodePoint(p.codePointAt(i)!);
      out += ch;
      i += ch.length;
    }
  }
  return { source: out, flags: ignoreCase ? "i" : "" };
}

/** Compile a Python pattern to a global (`g`), Unicode (`u`) JavaScript RegExp. */
export function compilePyRegex(pattern: string, flags: PyReFlags = {}): RegExp {
  const t = translatePyPattern(pattern, flags);
  try {
    return new RegExp(t.source, `gu${t.flags}`);
  } catch (err) {
    throw new PyRegexError(pattern, (err as Error).message);
  }
}

/** Python `re.search(...) is not None`. */
export function pySearch(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  const found = re.exec(s) !== null;
  re.lastIndex = 0;
  return found;
}

/** Python `re.findall` (and the match count behind `re.split`): all non-overlapping matches, left to right. */
export function pyFindall(re: RegExp, s: string): string[] {
  re.lastIndex = 0;
  const out: string[] = [];
  for (;;) {
    const m = re.exec(s);
    if (m === null) break;
    out.push(m[0]);
    // An empty match must not repeat at the same position: step over one code point.
    if (m[0] === "") re.lastIndex = m.index + (s.codePointAt(m.index)! > 0xffff ? 2 : 1);
  }
  re.lastIndex = 0;
  return out;
}
