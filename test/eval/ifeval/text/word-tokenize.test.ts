import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { treebankTokenize, wordTokenize } from "../../../../src/eval/ifeval/text/word-tokenize.js";
import { FIXTURES, type FixtureRecord, fixtureText, readJsonlFile } from "./fixtures.js";

type Rec = FixtureRecord & { tokens: string[] };
const records = readJsonlFile<Rec>(join(FIXTURES, "punkt.jsonl"));

describe("nltk.word_tokenize (english, NLTK 3.8)", () => {
  it("tokenizes every fixture text exactly as the reference", () => {
    const mismatches: string[] = [];
    for (const rec of records) {
      const got = wordTokenize(fixtureText(rec));
      if (JSON.stringify(got) !== JSON.stringify(rec.tokens)) mismatches.push(`${rec.source}#${rec.index}`);
    }
    expect(records.length).toBeGreaterThan(2500);
    expect(mismatches).toEqual([]);
  });

  it("follows the Treebank conventions", () => {
    expect(treebankTokenize("I can't go.")).toEqual(["I", "ca", "n't", "go", "."]);
    expect(treebankTokenize("I'M HERE")).toEqual(["I", "'M", "HERE"]);
    expect(treebankTokenize('"Hello," she said.')).toEqual(["``", "Hello", ",", "''", "she", "said", "."]);
    expect(treebankTokenize("It costs $3,000 at 12:30.")).toEqual(["It", "costs", "$", "3,000", "at", "12:30", "."]);
    expect(treebankTokenize("Cannot, gonna")).toEqual(["Can", "not", ",", "gon", "na"]);
    expect(treebankTokenize("The U.S. army")).toEqual(["The", "U.S.", "army"]);
  });

  it("splits sentences first, so inner sentence periods are separate tokens", () => {
    expect(wordTokenize("One. Two.")).toEqual(["One", ".", "Two", "."]);
    expect(treebankTokenize("One. Two.")).toEqual(["One.", "Two", "."]);
  });
});
