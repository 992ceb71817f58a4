/**
 * Python string semantics the ComplexBench rule checker relies on (upstream evaluation/con_rule.py):
 * `len` counts code points, `str.split()` / `str.strip()` use Python's whitespace set, `int()` accepts only
 * integer literals, `eval()` is used on small list literals such as "[300,10000]".
 */

/** Python's str.isspace() characters. */
const WS = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const WS_TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, "gu");
const WS_RUN = new RegExp(`[${WS}]+`, "u");

export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** s[:n] by code points. */
export function pySlice(s: string, n: number): string {
  if (s.length <= n) return s;
  return [...s].slice(0, n).join("");
}

export function pyStrip(s: string): string {
  return s.replace(WS_TRIM, "");
}

/** s.strip(chars) with an explicit character set. */
export function pyStripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a])) a++;
  while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/** s.split() without arguments: runs of whitespace, no empty strings. */
export function pySplitWs(s: string): string[] {
  const t = pyStrip(s);
  return t === "" ? [] : t.split(WS_RUN);
}

export class PythonCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PythonCrash";
  }
}

export function pyInt(s: string): number {
  const t = pyStrip(s);
  if (!/^[+-]?\d(?:_?\d)*$/.test(t)) throw new PythonCrash(`invalid literal for int(): '${s}'`);
  return Number(t.replaceAll("_", ""));
}

/** eval() of a two-number list/tuple literal such as "[300,10000]" (the only shape the rules use). */
export function pyEvalRange(s: string): [number, number] {
  const num = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?";
  const m = new RegExp(`^\\s*[\\[(]\\s*(${num})\\s*,\\s*(${num})\\s*,?\\s*[\\])]\\s*$`).exec(s);
  if (!m) throw new PythonCrash(`cannot evaluate ${JSON.stringify(s)} as a two-number list`);
  return [Number(m[1]), Number(m[2])];
}

/** eval() of a list of string literals such as '["名字", "年龄"]' or "['a','b']" (the Json rule's keys). */
export function pyEvalStringList(s: string): string[] {
  const t = pyStrip(s);
  try {
    const v = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  } catch {
    // fall through to the Python-literal reader
  }
  if (!/^[[(]/.test(t) || !/[\])]$/.test(t)) throw new PythonCrash(`cannot evaluate ${JSON.stringify(s)} as a list`);
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*(,|$)/gy;
  const inner = t.slice(1, -1);
  re.lastIndex = 0;
  let pos = 0;
  while (pos < inner.length) {
    re.lastIndex = pos;
    const m = re.exec(inner);
    if (!m) {
      if (inner.slice(pos).trim() === "") break;
      throw new PythonCrash(`cannot evaluate ${JSON.stringify(s)} as a list of strings`);
    }
    out.push((m[1] ?? m[2]).replace(/\\(.)/g, "$1"));
    pos = re.lastIndex;
    if (m[3] === "") break;
  }
  return out;
}
