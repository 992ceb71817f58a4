import { describe, expect, it } from "vitest";
import { parseFallbackUpstream, parseStrict, parseTolerant } from "../../../src/eval/cfbench/parse-judge.js";

const crit = ["回答包含三条建议", "每条建议不超过20个字", "使用“您”称呼用户"];

describe("CFBench strict parse (upstream _get_judge_scores)", () => {
  it("accepts exact echoes with 0/1 scores and strips the score", () => {
    const text = `${crit[0]}\t1\n\n${crit[1]}\t0\n\n${crit[2]}\t1\n`;
    expect(parseStrict(text, crit)).toEqual({ ok: true, scores: ["1", "0", "1"] });
  });
  it("rejects count mismatch, missing tab, changed echo and a score outside {0,1}", () => {
    expect(parseStrict(`${crit[0]}\t1\n${crit[1]}\t0\n\n${crit[2]}\t1`, crit).ok).toBe(false);
    expect(parseStrict(`${crit[0]} 1\n\n${crit[1]}\t0\n\n${crit[2]}\t1`, crit).ok).toBe(false);
    expect(parseStrict(`${crit[0]}\t1\n\n${crit[1]}\t0\n\n使用"您"称呼用户\t1`, crit).ok).toBe(false);
    expect(parseStrict(`${crit[0]}\t1\n\n${crit[1]}\t2\n\n${crit[2]}\t1`, crit).ok).toBe(false);
    expect(parseStrict(`${crit[0]}\t1\n\n${crit[1]}\tyes\n\n${crit[2]}\t1`, crit).ok).toBe(false);
  });
  it("can never succeed for a criterion that itself contains a blank line (upstream quirk)", () => {
    const c = ["第一段\n\n第二段", "其他"];
    expect(parseStrict(`${c[0]}\t1\n\n${c[1]}\t1`, c).ok).toBe(false);
  });
});

describe("CFBench upstream fallback (_get_judge_scores_guaranteed)", () => {
  it("keeps only the 1s (0 is falsy) and flags judge_parsing 0", () => {
    expect(parseFallbackUpstream("a\t1\nb\t0\n\nc\t1.0\nd 1")).toEqual({
      scores: ["1", "1.0"],
      judge_parsing: "0",
      fallback_skipped: 0,
    });
  });
  it("gives ['0'] and judge_parsing -1 when nothing survives; skips non-numeric scores where upstream crashes", () => {
    expect(parseFallbackUpstream("a\t0\nb\t0")).toEqual({ scores: ["0"], judge_parsing: "-1", fallback_skipped: 0 });
    expect(parseFallbackUpstream("a\t是\nb\t1")).toEqual({ scores: ["1"], judge_parsing: "0", fallback_skipped: 1 });
  });
});

describe("CFBench tolerant parse", () => {
  it("aligns by order when the counts agree, whatever the separator", () => {
    const text = `1. 回答包含三条建议：1\n每条建议不超过20个字 0\n使用"您"称呼用户\t1.0`;
    expect(parseTolerant(text, crit)).toEqual({ scores: [1, 0, 1], missing: 0, found: 3 });
  });
  it("matches by fuzzy text when lines are missing or extra, and reports the missing ones", () => {
    const text = `评估如下：\n使用"您"称呼用户\t1\n回答包含三条建议\t1`;
    // order-preserving greedy: criterion 1 matches the second line; criterion 3 has nothing after it
    const r = parseTolerant(text, crit);
    expect(r.found).toBe(2);
    expect(r.scores[0]).toBe(1);
    expect(r.scores[1]).toBeNull();
    expect(r.missing).toBeGreaterThanOrEqual(1);
  });
  it("undoes escaped \\t and \\n written literally by the judge", () => {
    const text = `${crit[0]}\\t1\\n\\n${crit[1]}\\t1\\n\\n${crit[2]}\\t0`;
    expect(parseTolerant(text, crit).scores).toEqual([1, 1, 0]);
  });
  it("joins multi-line echoes of a multi-line criterion", () => {
    const c = ["第一段要求\n第二段要求", "其他"];
    expect(parseTolerant(`第一段要求\n第二段要求\t0\n\n其他\t1`, c)).toEqual({ scores: [0, 1], missing: 0, found: 2 });
  });
  it("ignores code fences and an echoed [你的评估] header", () => {
    const text = `[你的评估]:\n\`\`\`\n${crit[0]}\t1\n\n${crit[1]}\t0\n\`\`\``;
    const r = parseTolerant(text, [crit[0], crit[1]]);
    expect(r).toEqual({ scores: [1, 0], missing: 0, found: 2 });
  });
  it("returns all-missing on garbage without throwing", () => {
    expect(parseTolerant("I cannot evaluate this.", crit)).toEqual({
      scores: [null, null, null],
      missing: 3,
      found: 0,
    });
  });
});
