import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectLanguageProbabilities, LangDetectException } from "../../../../src/eval/ifeval/text/langdetect/index.js";
import { splitSentences } from "../../../../src/eval/ifeval/text/punkt.js";
import { pyStrip } from "../../../../src/eval/ifeval/text/python-chars.js";
import { treebankTokenize } from "../../../../src/eval/ifeval/text/word-tokenize.js";
import { FIXTURES, fixtureText, readJsonlFile } from "./fixtures.js";

interface Row {
  index: number;
  variant: number;
  n_sentences: number;
  sentences_sha256: string;
  n_tokens: number;
  tokens_sha256: string;
  langdetect?: { language?: string; probabilities?: Array<[string, number]>; error?: string };
}
const rows = readJsonlFile<Row>(join(FIXTURES, "loose-variants.jsonl"));

/** The 8 texts IFEval's loose mode checks for a response (same order as the fixture generator). */
function looseVariants(r: string): string[] {
  const lines = r.split("\n");
  const first = pyStrip(lines.slice(1).join("\n"));
  const last = pyStrip(lines.slice(0, -1).join("\n"));
  const both = pyStrip(lines.slice(1, -1).join("\n"));
  const noStars = (s: string) => s.replaceAll("*", "");
  return [r, noStars(r), first, last, both, noStars(first), noStars(last), noStars(both)];
}

const digest = (items: string[]) => createHash("sha256").update(items.join("\0"), "utf8").digest("hex");

describe("text utilities on IFEval's loose variants of the 541 GPT-4 responses", () => {
  const variantsOf = new Map<number, string[]>();
  const textOf = (row: Row): string => {
    let variants = variantsOf.get(row.index);
    if (!variants) {
      variants = looseVariants(fixtureText({ source: "gpt4_response", index: row.index }));
      variantsOf.set(row.index, variants);
    }
    return variants[row.variant] as string;
  };

  it("sentences and word tokens equal the reference's on all 4328 variants", () => {
    const mismatches: string[] = [];
    for (const row of rows) {
      const sentences = splitSentences(textOf(row));
      const tokens = sentences.flatMap(treebankTokenize);
      if (sentences.length !== row.n_sentences || digest(sentences) !== row.sentences_sha256) {
        mismatches.push(`sentences ${row.index}/${row.variant}`);
      }
      if (tokens.length !== row.n_tokens || digest(tokens) !== row.tokens_sha256) {
        mismatches.push(`tokens ${row.index}/${row.variant}`);
      }
    }
    expect(rows.length).toBe(541 * 8);
    expect(mismatches).toEqual([]);
  });

  it("langdetect (seed 0) equals the reference's on the variants of language-checked responses", () => {
    const mismatches: string[] = [];
    const checked = rows.filter((row) => row.langdetect);
    for (const row of checked) {
      let got: Row["langdetect"];
      try {
        const probs = detectLanguageProbabilities(textOf(row), 0);
        got = { language: probs[0]?.lang ?? "unknown", probabilities: probs.map((p) => [p.lang, p.prob]) };
      } catch (e) {
        if (!(e instanceof LangDetectException)) throw e;
        got = { error: e.message };
      }
      if (JSON.stringify(got) !== JSON.stringify(row.langdetect)) mismatches.push(`${row.index}/${row.variant}`);
    }
    expect(checked.length).toBeGreaterThan(700);
    expect(mismatches).toEqual([]);
  });
});
