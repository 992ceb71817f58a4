import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanText } from "../../../../src/eval/ifeval/text/langdetect/detector.js";
import {
  detectLanguage,
  detectLanguageProbabilities,
  LangDetectException,
} from "../../../../src/eval/ifeval/text/langdetect/index.js";
import { extractNgrams, normalizeChar, normalizeVi } from "../../../../src/eval/ifeval/text/langdetect/ngram.js";
import { bundledLanguageModel } from "../../../../src/eval/ifeval/text/langdetect/profiles.js";
import { FIXTURES, type FixtureRecord, fixtureText, readJsonlFile } from "./fixtures.js";

interface Result {
  language?: string;
  probabilities?: Array<[string, number]>;
  error?: string;
}
type Rec = Omit<FixtureRecord, "index"> & { index: number | string; results: Record<string, Result> };
const records = readJsonlFile<Rec>(join(FIXTURES, "langdetect.jsonl"));

function run(text: string, seed: number): Result {
  try {
    const probs = detectLanguageProbabilities(text, seed);
    return { language: probs[0]?.lang ?? "unknown", probabilities: probs.map((p) => [p.lang, p.prob]) };
  } catch (e) {
    if (!(e instanceof LangDetectException)) throw e;
    return { error: e.message };
  }
}

describe("langdetect 1.0.9 detect() with a fixed seed", () => {
  it("bundles all 55 profiles with their exact counts", () => {
    const model = bundledLanguageModel();
    expect(model.languages.length).toBe(55);
    expect(model.languages).toContain("ca");
    expect(model.languages).toContain("cy");
    // "the" in English: its count over the number of English trigrams (3415279 / 224934017 in the profile).
    expect(model.probabilities("the")[model.languages.indexOf("en")]).toBe(3415279 / 224934017);
    expect(model.probabilities("the")[model.languages.indexOf("ja")]).toBe(0);
  });

  it("gives Python's language and probabilities (bit for bit) on every fixture text and seed", () => {
    const mismatches: string[] = [];
    let checked = 0;
    const languages = new Set<string>();
    for (const rec of records) {
      const text = fixtureText(rec as FixtureRecord);
      for (const [seed, want] of Object.entries(rec.results)) {
        checked++;
        if (want.language) languages.add(want.language);
        const got = run(text, Number(seed));
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${rec.source}#${rec.index} seed ${seed}`);
      }
    }
    expect(checked).toBeGreaterThan(2900);
    expect(languages.size).toBe(55);
    expect(records.filter((r) => r.source === "gpt4_response").length).toBe(541);
    expect(mismatches).toEqual([]);
  });

  it("raises LangDetectException when a text has no features", () => {
    for (const text of ["", "12345 67890", "!!! ???", "https://example.com/x"]) {
      expect(() => detectLanguage(text)).toThrow(LangDetectException);
    }
    expect(() => detectLanguage("")).toThrow("No features in text.");
  });

  it("is deterministic for a seed and defaults to seed 0", () => {
    const text = "Dies ist ein kurzer deutscher Satz über das Wetter.";
    expect(detectLanguage(text)).toBe("de");
    expect(detectLanguageProbabilities(text)).toEqual(detectLanguageProbabilities(text, 0));
    expect(detectLanguageProbabilities("ok fine", 3)).toEqual(detectLanguageProbabilities("ok fine", 3));
  });
});

describe("langdetect text clean-up and n-grams", () => {
  it("removes URLs and e-mail addresses, collapses spaces and caps the text at 10,000 characters", () => {
    expect(cleanText("see https://a.b/c?d=1  now, mail x.y@z.org").join("")).toBe("see now, mail ");
    expect(cleanText("ab   cd").join("")).toBe("ab cd");
    expect(cleanText("x".repeat(12000)).length).toBe(10000);
    expect(cleanText("😀".repeat(10005)).length).toBe(10000); // counted in code points, like Python
  });

  it("drops Latin letters when non-Latin text dominates", () => {
    expect(cleanText("Привет мир abc").join("")).toBe("Привет мир ");
    expect(cleanText("Привет abcdef").join("")).toBe("Привет abcdef");
  });

  it("normalises characters as langdetect does", () => {
    expect(normalizeChar("1")).toBe(" ");
    expect(normalizeChar("a")).toBe("a");
    expect(normalizeChar("«")).toBe(" ");
    expect(normalizeChar("é")).toBe("é");
    expect(normalizeChar("ș")).toBe("ş");
    expect(normalizeChar("\u2019")).toBe(" ");
    expect(normalizeChar("\u06cc")).toBe("\u064a");
    expect(normalizeChar("ỹ")).toBe("\u1ec3");
    expect(normalizeChar("の")).toBe("あ");
    expect(normalizeChar("カ")).toBe("ア");
    expect(normalizeChar("한")).toBe("가");
    // Only the five marks langdetect lists are composed (not U+0302), and only onto its base letters.
    expect(normalizeVi("Ho\u0300a")).toBe("H\u00f2a");
    expect(normalizeVi("Tie\u0302\u0301ng")).toBe("Tie\u0302\u0301ng");
    expect(normalizeVi("\u00ea\u0301")).toBe("\u1ebf");
  });

  it("produces no grams inside ALL-CAPS words, only the first letter and the grams ending at the next space", () => {
    // Expectations printed by Python langdetect's NGram for the same texts.
    const all = (text: string) => extractNgrams([...text], () => true);
    expect(all("ab")).toEqual(["a", " a", "b", "ab", " ab"]);
    expect(all("AB")).toEqual(["A", " A"]);
    expect(all("AB c")).toEqual(["A", " A", "B ", "AB ", "c", " c"]);
    expect(all("ABC def")).toEqual(["A", " A", "C ", "BC ", "d", " d", "e", "de", " de", "f", "ef", "def"]);
  });
});
