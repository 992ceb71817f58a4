/**
 * How the world's checkers read a response: its words, and its list (a JSON array of strings, bullet lines
 * `- x` / `* x`, or numbered lines `1. x`). Shared by every checker so that they agree on what an item is.
 */

/**
 * Words are runs of ASCII letters (an inner apostrophe or hyphen joins them); numbers and markup are not words.
 * (The judge's rules count whitespace-separated tokens instead, IFEval counts Python `\w+` runs.)
 */
export function countAsciiWords(text: string): number {
  return (text.match(/[A-Za-z]+(?:['-][A-Za-z]+)*/g) ?? []).length;
}

export type ListFormat = "json" | "bullets" | "numbered";

export interface ListView {
  /** Formats present in the response (more than one means a mixed list). */
  formats: ListFormat[];
  /** The items: the JSON array's strings when there is one, else the bullet and numbered lines' contents. */
  items: string[];
  /** Bullet markers used ("-" or "*"), in order. */
  bulletMarkers: string[];
  /** The numbers of the numbered lines, in order. */
  numbers: number[];
  /** Character offset where the list starts (-1 when there is none). */
  start: number;
}

const BULLET = /^[ \t]*([-*])[ \t]+(\S.*)$/gm;
const NUMBERED = /^[ \t]*(\d+)[.)][ \t]+(\S.*)$/gm;

/** The first `[` ... last `]` span, if it parses as a non-empty JSON array of strings. */
function jsonArray(text: string): { items: string[]; start: number } | undefined {
  const a = text.indexOf("[");
  const b = text.lastIndexOf("]");
  if (a < 0 || b < a) return undefined;
  try {
    const v: unknown = JSON.parse(text.slice(a, b + 1));
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return { items: v, start: a };
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

export function listView(text: string): ListView {
  const formats: ListFormat[] = [];
  const json = jsonArray(text);
  const bullets = [...text.matchAll(BULLET)];
  const numbered = [...text.matchAll(NUMBERED)];
  if (json) formats.push("json");
  if (bullets.length > 0) formats.push("bullets");
  if (numbered.length > 0) formats.push("numbered");
  const lines = [...bullets, ...numbered].sort((x, y) => x.index - y.index);
  const starts = [json?.start ?? -1, lines[0]?.index ?? -1].filter((s) => s >= 0);
  return {
    formats,
    items: json ? json.items : lines.map((m) => m[2].trim()),
    bulletMarkers: bullets.map((m) => m[1]),
    numbers: numbered.map((m) => Number(m[1])),
    start: starts.length > 0 ? Math.min(...starts) : -1,
  };
}

/** `word` as a whole word, any case. */
export function containsWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z])${escaped}(?![A-Za-z])`, "i").test(text);
}
