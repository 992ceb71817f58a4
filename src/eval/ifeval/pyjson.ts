/**
 * Python's `json` module where IFEval depends on it: `json.loads` decides the json_format verdict, and `json.dumps`
 * (default settings) is how the reference writes its result files.
 */

const JSON_WS = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;

class JsonSyntax extends Error {}

/**
 * True when Python's `json.loads(text)` succeeds: one JSON value of any type, surrounded only by JSON whitespace,
 * with Python's extensions `NaN`, `Infinity` and `-Infinity`, duplicate keys allowed, raw control characters in
 * strings rejected (strict mode), any `\uXXXX` escape accepted (lone surrogates included).
 */
export function pyJsonLoadsOk(text: string): boolean {
  let i = 0;
  const ws = () => {
    while (i < text.length && JSON_WS.has(text[i])) i++;
  };
  const fail = (): never => {
    throw new JsonSyntax();
  };
  const expect = (word: string) => {
    if (!text.startsWith(word, i)) fail();
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail();
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else fail();
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === "t") expect("true");
    else if (c === "f") expect("false");
    else if (c === "n") expect("null");
    else if (c === "N") expect("NaN");
    else if (c === "I") expect("Infinity");
    else if (c === "-" && text[i + 1] === "I") expect("-Infinity");
    else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    return i === text.length;
  } catch (err) {
    if (err instanceof JsonSyntax) return false;
    // Nesting too deep for the JS stack: Python would also give up (RecursionError), so no verdict of "valid".
    if (err instanceof RangeError) return false;
    throw err;
  }
}

function dumpsString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c >= 0x20 && c <= 0x7e) out += s[k];
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

/**
 * Python `json.dumps(value)` with default settings (`ensure_ascii=True`, separators `", "` and `": "`), so result files
 * are byte-identical to the reference's. Supports the JSON types the result rows use.
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "string") return dumpsString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${dumpsString(k)}: ${pyJsonDumps(v)}`,
    );
    return `{${parts.join(", ")}}`;
  }
  throw new TypeError(`cannot serialise ${typeof value}`);
}
