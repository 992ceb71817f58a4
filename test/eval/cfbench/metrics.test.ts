import { describe, expect, it } from "vitest";
import { aggregateScores, scoreItem } from "../../../src/eval/cfbench/metrics.js";

const P = "主需";
const S = "次需";

describe("CFBench per-item metrics (upstream _score_compute)", () => {
  it("CSR is the rounded mean, ISR requires every criterion", () => {
    expect(scoreItem([1, 1, 0], [P, S, S], "1")).toEqual({ CSR: 0.67, ISR: 0, PSR: 0 });
    expect(scoreItem([1, 1], [P, S], "1")).toEqual({ CSR: 1, ISR: 1, PSR: 1 });
  });
  it("PSR: a failed primary criterion fails the item", () => {
    expect(scoreItem([0, 1, 1, 1, 1, 1], [P, S, S, S, S, S], "1").PSR).toBe(0);
  });
  it("PSR with both kinds passes iff mean(secondary) > 0.6 (0.5 + 0.5*round(mean,2) > 0.8)", () => {
    // S = [1,1,0] -> 0.67 -> 0.835 > 0.8
    expect(scoreItem([1, 1, 1, 0], [P, S, S, S], "1")).toEqual({ CSR: 0.75, ISR: 0, PSR: 1 });
    // S = [1,0] -> 0.5 -> 0.75
    expect(scoreItem([1, 1, 0], [P, S, S], "1").PSR).toBe(0);
    // S = [1,1,1,0,0] -> 0.6 -> 0.8, not > 0.8
    expect(scoreItem([1, 1, 1, 1, 0, 0], [P, S, S, S, S, S], "1").PSR).toBe(0);
  });
  it("PSR with only secondary criteria is CSR > 0.8; with only primary (all met) it is 1", () => {
    expect(scoreItem([1, 1, 1, 1, 0], [S, S, S, S, S], "1")).toEqual({ CSR: 0.8, ISR: 0, PSR: 0 });
    expect(scoreItem([1, 1, 1, 1, 1, 0], [S, S, S, S, S, S], "1").PSR).toBe(1); // 0.83
    expect(scoreItem([1, 1], [P, P], "1").PSR).toBe(1);
  });
  it("judge_parsing branches: fallback uses CSR > 0.8 regardless of priorities; -1 scores zero", () => {
    expect(scoreItem([1, 1], [P, P, S, S], "0")).toEqual({ CSR: 1, ISR: 1, PSR: 1 });
    expect(scoreItem([0], [P, P, S], "-1")).toEqual({ CSR: 0, ISR: 0, PSR: 0 });
  });
});

describe("CFBench aggregates (upstream _scores)", () => {
  it("averages per-item values per split and overall, rounded to 2 digits", () => {
    const items = [
      { split: "easy", metric: { CSR: 0.67, ISR: 0 as const, PSR: 0 as const } },
      { split: "easy", metric: { CSR: 1, ISR: 1 as const, PSR: 1 as const } },
      { split: "hard", metric: { CSR: 0.75, ISR: 0 as const, PSR: 1 as const } },
    ];
    const s = aggregateScores(items);
    expect(s.CSR_easy).toBe(0.83); // (0.67 + 1) / 2 = 0.835 -> binary just below -> 0.83
    expect(s.ISR_easy).toBe(0.5);
    expect(s.PSR_hard).toBe(1);
    expect(s.CSR).toBe(0.81); // 2.42 / 3 = 0.80667
    expect(s.ISR).toBe(0.33);
    expect(s.PSR).toBe(0.67);
    expect([s.n_easy, s.n_hard, s.n]).toEqual([2, 1, 3]);
  });
  it("an empty split is null (upstream prints nan)", () => {
    const s = aggregateScores([{ split: "hard", metric: { CSR: 1, ISR: 1, PSR: 1 } }]);
    expect(s.CSR_easy).toBeNull();
    expect(s.CSR).toBe(1);
  });
});

/**
 * 400 random judge outputs (well-formed, paraphrased echoes, single-newline separators, non-0/1 scores) with the
 * parse results, per-item metrics and aggregates that upstream's code/evalaute.py logic (_get_judge_scores,
 * _get_judge_scores_guaranteed, _score_compute, _scores) produced under CPython 3 + NumPy at development time.
 */
describe("agreement with upstream evalaute.py on generated judge outputs", () => {
  it("reproduces strict parse, fallback, per-item metrics and rounded aggregates", async () => {
    const { readFileSync } = await import("node:fs");
    const { parseFallbackUpstream, parseStrict } = await import("../../../src/eval/cfbench/parse-judge.js");
    const ref = JSON.parse(readFileSync(new URL("./evaluate-reference.json", import.meta.url), "utf8")) as {
      cases: {
        criteria: string[][];
        response: string;
        judge_score: string[];
        judge_parsing: "1" | "0" | "-1";
        metric: { CSR: number; ISR: 0 | 1; PSR: 0 | 1 };
        split: string;
      }[];
      scores: Record<string, number>;
    };
    const items = ref.cases.map((c) => {
      const strict = parseStrict(
        c.response,
        c.criteria.map((x) => x[0]),
      );
      const fb = strict.ok ? undefined : parseFallbackUpstream(c.response);
      const scores = strict.ok ? strict.scores : fb!.scores;
      const parsing = strict.ok ? "1" : fb!.judge_parsing;
      expect(scores).toEqual(c.judge_score);
      expect(parsing).toBe(c.judge_parsing);
      const metric = scoreItem(
        scores.map(Number),
        c.criteria.map((x) => x[1]),
        parsing,
      );
      expect(metric).toEqual(c.metric);
      return { split: c.split, metric };
    });
    const agg = aggregateScores(items);
    for (const [k, v] of Object.entries(ref.scores)) expect(agg[k as keyof typeof agg], k).toBe(v);
  });
});
