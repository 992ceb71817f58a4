import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PunktSentenceSplitter, splitSentences } from "../../../../src/eval/ifeval/text/punkt.js";
import { loadPunktParameters } from "../../../../src/eval/ifeval/text/punkt-params.js";
import { bundledDataPath } from "../../../../src/util/paths.js";
import { FIXTURES, type FixtureRecord, fixtureText, readJsonlFile } from "./fixtures.js";

type Rec = FixtureRecord & { sentences: string[] };
const records = readJsonlFile<Rec>(join(FIXTURES, "punkt.jsonl"));

describe("Punkt English (NLTK 3.8 tokenize)", () => {
  it("loads the bundled model with its exact sizes", () => {
    const p = loadPunktParameters(bundledDataPath("punkt_english"));
    expect(p.abbrevTypes.size).toBe(156);
    expect(p.abbrevTypes.has(". . ")).toBe(true);
    expect(p.collocations.size).toBe(37);
    expect(p.sentStarters.size).toBe(39);
    expect(p.orthoContext.size).toBe(20366);
  });

  it("covers the fixture sources", () => {
    const count = (s: string) => records.filter((r) => r.source === s).length;
    expect(count("gpt4_response")).toBe(541);
    expect(count("ifeval_prompt")).toBe(541);
    expect(count("synthetic")).toBeGreaterThan(150);
    expect(count("fuzz")).toBeGreaterThan(1000);
  });

  it("splits every fixture text exactly as the reference", () => {
    const mismatches: string[] = [];
    for (const rec of records) {
      const got = splitSentences(fixtureText(rec));
      if (JSON.stringify(got) !== JSON.stringify(rec.sentences)) mismatches.push(`${rec.source}#${rec.index}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("handles the known traps", () => {
    expect(splitSentences("Mr. Smith went to Washington. He arrived.")).toEqual([
      "Mr. Smith went to Washington.",
      "He arrived.",
    ]);
    // A newline alone never splits; numbered items split after their period only when a sentence ends there.
    expect(splitSentences("A line without a period\nAnother line")).toEqual(["A line without a period\nAnother line"]);
    // Closing quotes/brackets move back to the sentence they close.
    expect(splitSentences('He said "Stop." Then he left.')).toEqual(['He said "Stop."', "Then he left."]);
    expect(splitSentences("(Sent one.) Sent two.")).toEqual(["(Sent one.)", "Sent two."]);
    expect(splitSentences("Very bad acting!!! I promise.")).toEqual(["Very bad acting!!!", "I promise."]);
    expect(splitSentences("")).toEqual([]);
    expect(splitSentences("  \n ")).toEqual([]);
    expect(splitSentences("Trailing space.  ")).toEqual(["Trailing space."]);
  });

  it("uses the parameters it is given", () => {
    const params = loadPunktParameters(bundledDataPath("punkt_english"));
    const english = new PunktSentenceSplitter(params);
    expect(english.split("I met Dr. Who. He waved.")).toEqual(["I met Dr. Who.", "He waved."]);
    params.abbrevTypes.delete("dr");
    expect(new PunktSentenceSplitter(params).split("I met Dr. Who. He waved.")).toEqual([
      "I met Dr.",
      "Who.",
      "He waved.",
    ]);
  });
});
