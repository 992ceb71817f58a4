// Edge cases of the checkers built on the text utilities (Punkt sentences, nltk.word_tokenize, langdetect).
import { describe, expect, it } from "vitest";
import { buildInstruction } from "../../../src/eval/ifeval/registry.js";

const check = (id: string, kwargs: Record<string, unknown>, response: string) =>
  buildInstruction(id, kwargs).check(response);

describe("change_case", () => {
  it("capital_word_frequency counts all-caps tokens: I, A, U.S. and the 'M of I'M", () => {
    const kw = (n: number, rel: string) => ({ capital_frequency: n, capital_relation: rel });
    const id = "change_case:capital_word_frequency";
    // Tokens: I 'M in the U.S. with A friend . -> I, 'M, U.S., A are upper.
    expect(check(id, kw(4, "at least"), "I'M in the U.S. with A friend.")).toBe(true);
    expect(check(id, kw(5, "at least"), "I'M in the U.S. with A friend.")).toBe(false);
    expect(check(id, kw(1, "less than"), "no capitals here, 123.")).toBe(true);
    expect(check(id, kw(2, "at least"), "NASA and the FBI approved")).toBe(true);
    expect(check(id, kw(2, "at least"), "NASA and FBI-approved")).toBe(false); // "FBI-approved" is one token
  });

  it("english_lowercase / english_capital: the case test comes first, then langdetect must say en", () => {
    expect(check("change_case:english_lowercase", {}, "Hello there, this is English.")).toBe(false);
    expect(check("change_case:english_lowercase", {}, "hello there, this is a sentence written in english.")).toBe(
      true,
    );
    expect(check("change_case:english_capital", {}, "HELLO there")).toBe(false);
    expect(check("change_case:english_lowercase", {}, "ceci est une phrase écrite en français, pas en anglais.")).toBe(
      false,
    );
  });
});

describe("language:response_language", () => {
  it("compares langdetect's top language with the code", () => {
    const text = "Ceci est une réponse entièrement rédigée en français, comme demandé par la question.";
    expect(check("language:response_language", { language: "fr" }, text)).toBe(true);
    expect(check("language:response_language", { language: "en" }, text)).toBe(false);
  });

  it("a response without letters passes (LangDetectException)", () => {
    expect(check("language:response_language", { language: "ja" }, "12345 67890 !!!")).toBe(true);
  });
});

describe("length_constraints:number_sentences", () => {
  it("counts Punkt sentences: abbreviations do not split, a newline alone does not either", () => {
    const kw = (n: number, rel: string) => ({ num_sentences: n, relation: rel });
    const id = "length_constraints:number_sentences";
    expect(check(id, kw(2, "at least"), "Dr. Smith went home. He slept.")).toBe(true);
    expect(check(id, kw(3, "at least"), "Dr. Smith went home. He slept.")).toBe(false);
    expect(check(id, kw(2, "less than"), "One line\nand another line")).toBe(true);
  });
});
