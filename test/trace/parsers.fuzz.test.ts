import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../src/stages/dry-run.js";
import { parseExpansion } from "../../src/trace/expand.js";
import { completenessVerdict, parseTag, redundancyVerdict } from "../../src/trace/filter.js";
import { parseStructured } from "../../src/trace/structure.js";
import { mulberry32 } from "../../src/util/random.js";

/** Stage parsers see whatever an LLM writes: on 3,000 seeded random replies built from format fragments they never throw. */
const FRAGMENTS = [
  "#Task Description:",
  "#Constraints:",
  "#Input:",
  "NULL",
  "<result>",
  "</result>",
  "<explain>",
  "</explain>",
  "<tag>:",
  "Complete",
  "Incomplete",
  "Redundant",
  "Not Redundant",
  "1. ",
  "[Numerical]",
  "【包含约束】",
  "**",
  "：",
  "\n",
  "\n\n",
  "写一首诗",
  "word",
  "[",
  "]",
  "\u0000",
];

describe("stage parsers on random replies", () => {
  it("never throw and always return a value or a reason", () => {
    const rand = mulberry32(99);
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rand() * 30);
      const text = Array.from({ length: n }, () => FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)]).join("");
      const s = parseStructured(text);
      if (typeof s !== "string") {
        expect(s.constraints_splits.length).toBe(s.constraints_num);
        expect(s.description).not.toBe("");
        if (s.levels2) expect(s.levels2).toHaveLength(s.constraints_num);
      }
      const e = parseExpansion(text);
      if (e) expect(e.result.trim()).not.toBe("");
      parseTag(text);
      expect(["pass", "fail", undefined]).toContain(completenessVerdict(text));
      expect(["pass", "fail", undefined]).toContain(redundancyVerdict(text));
    }
  });

  it("estimates tokens: one per CJK character, one per four other characters", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(estimateTokens("写一首诗")).toBe(4);
    expect(estimateTokens("写诗 abcd")).toBe(2 + 2);
  });
});
