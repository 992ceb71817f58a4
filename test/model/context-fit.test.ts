import { describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { contextLimit, describeFit, fitGeneration, fitScoring } from "../../src/model/context-fit.js";

const seq = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const row = (n: number, line: number) => ({ ids: seq(n), suffix: () => 2, place: { file: "d.jsonl", line } });

describe("contextLimit", () => {
  it("is max_position_embeddings, or a smaller max_length", () => {
    expect(contextLimit({ max_position_embeddings: 512 })).toEqual({
      tokens: 512,
      source: "the model's max_position_embeddings 512",
    });
    expect(contextLimit({ max_position_embeddings: 512 }, 64)).toEqual({ tokens: 64, source: "max_length 64" });
    // A max_length above the model's positions cannot be used.
    expect(contextLimit({ max_position_embeddings: 512 }, 4096).tokens).toBe(512);
  });
});

describe("fitGeneration (limit 10, max_new_tokens 4)", () => {
  const limit = { tokens: 10, source: "max_length 10" };
  const rows = [row(5, 1), row(8, 2), row(10, 3), row(12, 4)];

  it("skip: rows with no room to generate are left out, named by file:line; a short room caps generation", () => {
    const fit = fitGeneration(rows, limit, 4, "skip");
    expect(fit.prompts.map((p) => p?.length)).toEqual([5, 8, undefined, undefined]);
    expect(fit.maxNewTokens).toEqual([4, 2, 0, 0]);
    expect(fit.report).toMatchObject({ rows: 4, skipped: 2, truncated: 0, capped: 1 });
    expect(fit.report.warnings).toEqual([
      "d.jsonl:3: prompt of 10 tokens is over max_length 10: skipped",
      "d.jsonl:4: prompt of 12 tokens is over max_length 10: skipped",
    ]);
    expect(describeFit(fit.report)).toBe(
      "4 rows checked against max_length 10: 2 skipped (not in the output), " +
        "1 will stop generating at the limit before max_new_tokens",
    );
  });

  it("truncate: keep_start with the template suffix, leaving min(max_new_tokens, limit/2) to generate", () => {
    const fit = fitGeneration(rows, limit, 4, "truncate");
    // budget 10 - 4 = 6: the first 4 tokens and the 2-token template suffix.
    expect(Array.from(fit.prompts[3]!)).toEqual([0, 1, 2, 3, 10, 11]);
    expect(Array.from(fit.prompts[2]!)).toEqual([0, 1, 2, 3, 8, 9]);
    expect(fit.maxNewTokens).toEqual([4, 2, 4, 4]);
    expect(fit.report).toMatchObject({ truncated: 2, skipped: 0 });
    // A max_new_tokens above half the limit leaves half of it to the prompt.
    expect(Array.from(fitGeneration([row(12, 1)], limit, 100, "truncate").prompts[0]!)).toEqual([0, 1, 2, 10, 11]);
  });

  it("error: nothing runs; a data error names the first over-long row and counts them", () => {
    expect(() => fitGeneration(rows, limit, 4, "error")).toThrow(DataError);
    expect(() => fitGeneration(rows, limit, 4, "error")).toThrow(
      "d.jsonl:3: prompt of 10 tokens leaves no room to generate, over max_length 10 (2 rows in all are over the " +
        "limit); skip or truncate such rows with --on-overlong skip|truncate",
    );
    expect(fitGeneration(rows.slice(0, 2), limit, 4, "error").report.skipped).toBe(0);
  });

  it("caps the warnings at 20 lines plus a count", () => {
    const many = Array.from({ length: 30 }, (_, i) => row(20, i + 1));
    const fit = fitGeneration(many, limit, 4, "skip");
    expect(fit.report.warnings).toHaveLength(21);
    expect(fit.report.warnings[20]).toBe("... and 10 more row(s) over the limit");
  });
});

describe("fitScoring (limit 10)", () => {
  const limit = { tokens: 10, source: "max_length 10" };
  it("a sequence of at most the limit is kept whole; longer ones are skipped, truncated or refused", () => {
    const rows = [
      { ...row(10, 1), responseStart: 6 },
      { ...row(12, 2), responseStart: 8 },
    ];
    const skip = fitScoring(rows, limit, "skip");
    expect(skip.sequences[0]).toEqual({ ids: seq(10), responseStart: 6 });
    expect(skip.sequences[1]).toBeUndefined();
    expect(skip.report.warnings).toEqual(["d.jsonl:2: prompt + response of 12 tokens is over max_length 10: skipped"]);
    // infer_seqlen(8, 4, 10) = (6, 4): the prompt keeps its first 4 tokens and its 2-token suffix.
    const cut = fitScoring(rows, limit, "truncate").sequences[1]!;
    expect(Array.from(cut.ids)).toEqual([0, 1, 2, 3, 6, 7, 8, 9, 10, 11]);
    expect(cut.responseStart).toBe(6);
    expect(() => fitScoring(rows, limit, "error")).toThrow(
      /^d\.jsonl:2: prompt \+ response of 12 tokens, over max_length 10;/,
    );
  });
});
