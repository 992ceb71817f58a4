import { describe, expect, it } from "vitest";
import { parseTraceJudge } from "../../src/judge/parse-trace-judge.js";
import { mulberry32 } from "../../src/util/random.js";

/**
 * Fuzz: thousands of seeded judge outputs in the shapes judges really produce, plus corrupted ones.
 * Properties: the parser never throws; the raw text is always kept; every output is either parsed (scores, no
 * parse_error) or counted as a failure (parse_error set); well-formed outputs give back exactly the scores that
 * were written, in order.
 */
const KEY_WORDS = [
  "字数不超过200字",
  "使用正式语气",
  "包含",
  "春天",
  "word count",
  "formal tone",
  "列表",
  "标题",
  "JSON",
  "a:b",
];
const QUOTES: [string, string][] = [
  ['"', '"'],
  ["“", "”"],
  ["'", "'"],
];

function generate(rand: () => number): { text: string; scores: number[]; clean: boolean } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const n = 1 + Math.floor(rand() * 10);
  const scores: number[] = [];
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    const score = rand() < 0.6 ? 10 : Math.floor(rand() * 11);
    scores.push(score);
    let key = `${pick(KEY_WORDS)}${rand() < 0.3 ? `"${pick(KEY_WORDS)}"` : ""}${rand() < 0.2 ? `（${i}）` : ""}`;
    if (key.includes(":")) key = key.replace(":", "-"); // a colon followed by a number would be ambiguous anyway
    const [q1, q2] = pick(QUOTES);
    const value = rand() < 0.15 ? `${score}.0` : rand() < 0.1 ? `"${score}"` : String(score);
    entries.push(`${q1}${key}${q2}${rand() < 0.2 ? "：" : ": "}${value}`);
  }
  const sep = rand() < 0.2 ? ",\n  " : ", ";
  let body = `{${entries.join(sep)}${rand() < 0.2 ? "," : ""}}`;
  if (rand() < 0.7) body = `[${body}]`;
  const explanation = scores.map((s, i) => `${i + 1}. 约束${i + 1}：得分${s}分。`).join("\n");
  let text = `Explanation:\n${explanation}\nFine Grained Score: ${body}\nConstraints Overall Score: [[${Math.min(...scores)}]]`;
  let clean = true;
  const r = rand();
  if (r < 0.1) {
    text = text.slice(0, Math.floor(rand() * text.length)); // truncated
    clean = false;
  } else if (r < 0.15) {
    text = text.replace("Fine Grained Score", "Scores"); // marker missing
    clean = false;
  } else if (r < 0.25) {
    const chars = [...text];
    for (let k = 0; k < 5; k++)
      chars.splice(Math.floor(rand() * chars.length), 0, pick(["{", "]", '"', ":", "\u0000", "�", "\n"]));
    text = chars.join("");
    clean = false;
  } else if (r < 0.28) {
    text = String.fromCharCode(...Array.from({ length: 200 }, () => Math.floor(rand() * 0xffff)));
    clean = false;
  }
  return { text, scores, clean };
}

describe("parseTraceJudge fuzz", () => {
  it("never throws, keeps raw text, and parses every well-formed output exactly (5,000 seeded cases)", () => {
    const rand = mulberry32(20241109);
    let parsed = 0;
    let failed = 0;
    let cleanCount = 0;
    for (let i = 0; i < 5000; i++) {
      const { text, scores, clean } = generate(rand);
      let p: ReturnType<typeof parseTraceJudge> | undefined;
      expect(() => {
        p = parseTraceJudge(text, scores.length);
      }).not.toThrow();
      expect(p!.raw).toBe(text);
      if (p!.parse_error === undefined) {
        expect(p!.scores).not.toBeNull();
        expect(p!.scores!.length).toBe(scores.length);
        parsed++;
      } else {
        expect(typeof p!.parse_error).toBe("string");
        failed++;
      }
      if (clean) {
        cleanCount++;
        expect(p!.parse_error, text).toBeUndefined();
        expect(p!.scores, text).toEqual(scores);
        expect(p!.overall).toBe(Math.min(...scores));
      }
    }
    expect(parsed + failed).toBe(5000);
    expect(cleanCount).toBeGreaterThan(3000);
    expect(failed).toBeGreaterThan(0);
  });
});
