// Edge cases of the checkers that do not need the text utilities (sentence splitter, word tokenizer, language
// detector); each expectation follows the reference's check_following (docs/ifeval.md, section 2), several were
// confirmed with CPython.
import { describe, expect, it } from "vitest";
import { KwargsError } from "../../../src/eval/ifeval/kwargs.js";
import { PyRegexError } from "../../../src/eval/ifeval/pyre.js";
import { buildInstruction, INSTRUCTION_REGISTRY, UnknownInstructionError } from "../../../src/eval/ifeval/registry.js";

const check = (id: string, kwargs: Record<string, unknown>, response: string) =>
  buildInstruction(id, kwargs).check(response);

describe("registry", () => {
  it("has the reference's 25 ids, each building a checker with a description", () => {
    expect(INSTRUCTION_REGISTRY.size).toBe(25);
    for (const [id, spec] of INSTRUCTION_REGISTRY) {
      expect(spec.id).toBe(id);
      expect(id).toMatch(/^[a-z_]+:[a-z_]+$/);
    }
    expect(() => buildInstruction("keywords:nope", {})).toThrow(UnknownInstructionError);
  });

  it("rejects missing, mistyped and unknown kwargs; ignores null ones (HF copy)", () => {
    expect(() => buildInstruction("keywords:frequency", { keyword: "a", frequency: 2 })).toThrow(KwargsError);
    expect(() =>
      buildInstruction("keywords:frequency", { keyword: "a", frequency: "2", relation: "at least" }),
    ).toThrow(/non-negative integer/);
    expect(() => buildInstruction("keywords:frequency", { keyword: "a", frequency: 2, relation: "at most" })).toThrow(
      /less than/,
    );
    expect(() => buildInstruction("punctuation:no_comma", { keywords: ["x"] })).toThrow(/not a kwarg/);
    expect(buildInstruction("punctuation:no_comma", { keywords: null, num_words: null }).check("a b")).toBe(true);
  });
});

describe("keywords", () => {
  it("existence: every keyword, as a case-insensitive substring", () => {
    expect(check("keywords:existence", { keywords: ["war", "Peace"] }, "SOFTWARE for peacekeeping")).toBe(true);
    expect(check("keywords:existence", { keywords: ["war", "peace"] }, "software only")).toBe(false);
  });

  it("existence: keywords are regexes, inserted unescaped", () => {
    expect(check("keywords:existence", { keywords: ["c.t"] }, "a cut")).toBe(true);
    expect(() => buildInstruction("keywords:existence", { keywords: ["(oops"] })).toThrow(PyRegexError);
  });

  it("frequency: counts substrings; less than is strict, at least inclusive", () => {
    const text = "War. The warden warned of software.";
    expect(check("keywords:frequency", { keyword: "war", frequency: 4, relation: "at least" }, text)).toBe(true);
    expect(check("keywords:frequency", { keyword: "war", frequency: 5, relation: "at least" }, text)).toBe(false);
    expect(check("keywords:frequency", { keyword: "war", frequency: 4, relation: "less than" }, text)).toBe(false);
    expect(check("keywords:frequency", { keyword: " war ", frequency: 5, relation: "less than" }, text)).toBe(true);
  });

  it("forbidden_words: whole words with Unicode boundaries, case-insensitive, de-duplicated", () => {
    const kw = (w: string[]) => ({ forbidden_words: w });
    expect(check("keywords:forbidden_words", kw(["war"]), "software and warden")).toBe(true);
    expect(check("keywords:forbidden_words", kw(["war", "war"]), "No WAR here")).toBe(false);
    expect(check("keywords:forbidden_words", kw(["caf"]), "un café")).toBe(true); // é is a word character
    expect(check("keywords:forbidden_words", kw(["café"]), "un CAFÉ noir")).toBe(false);
    expect(check("keywords:forbidden_words", kw(["hindi"]), "hindi_text")).toBe(true); // _ is a word character
  });

  it("letter_frequency: counts the lowercased response; a non a-z letter is counted literally (deviation)", () => {
    const kw = (letter: string, n: number, rel: string) => ({ letter, let_frequency: n, let_relation: rel });
    expect(check("keywords:letter_frequency", kw("A", 3, "at least"), "a bAnana")).toBe(true);
    expect(check("keywords:letter_frequency", kw("a", 4, "less than"), "a bAnana")).toBe(false);
    expect(check("keywords:letter_frequency", kw("#", 2, "at least"), "#one #two")).toBe(true);
    expect(check("keywords:letter_frequency", kw("!", 1, "less than"), "no bang")).toBe(true);
    expect(() => buildInstruction("keywords:letter_frequency", kw("ab", 1, "at least"))).toThrow(KwargsError);
  });
});

describe("length_constraints (without sentences)", () => {
  it("number_words counts Python \\w runs (Unicode, marks split words)", () => {
    const kw = (n: number) => ({ num_words: n, relation: "at least" });
    expect(check("length_constraints:number_words", kw(5), "हिन्दी भाषा")).toBe(true);
    expect(check("length_constraints:number_words", kw(6), "हिन्दी भाषा")).toBe(false);
    expect(check("length_constraints:number_words", kw(4), "don't stop-me now")).toBe(true); // don, t, stop, me, now
    expect(check("length_constraints:number_words", { num_words: 3, relation: "less than" }, "a b c")).toBe(false);
  });

  it("number_paragraphs: *** dividers; empty first/last chunk dropped, empty middle chunk fails", () => {
    const kw = { num_paragraphs: 2 };
    expect(check("length_constraints:number_paragraphs", kw, "one\n***\ntwo")).toBe(true);
    expect(check("length_constraints:number_paragraphs", kw, "***\none\n***\ntwo\n***")).toBe(true);
    expect(check("length_constraints:number_paragraphs", kw, "one\n***\n***\ntwo")).toBe(false);
    expect(check("length_constraints:number_paragraphs", kw, "one\n\ntwo")).toBe(false);
    expect(check("length_constraints:number_paragraphs", { num_paragraphs: 3 }, "a *** b****c")).toBe(true);
  });

  it("nth_paragraph_first_word: non-empty count, raw indexing, punctuation cut, quotes stripped", () => {
    const kw = (num: number, nth: number, word: string) => ({
      num_paragraphs: num,
      nth_paragraph: nth,
      first_word: word,
    });
    const id = "length_constraints:nth_paragraph_first_word";
    expect(check(id, kw(2, 2, "Second"), "first para\n\nSecond, para")).toBe(true);
    expect(check(id, kw(2, 2, "second"), "first para\n\n\"'Second' para")).toBe(false); // only " then ' are stripped
    expect(check(id, kw(2, 2, "second"), 'first para\n\n\'"Second" para')).toBe(true);
    // Two non-empty paragraphs, but paragraph 2 is looked up in the raw split ["first", "", "second"]: empty, fails.
    expect(check(id, kw(2, 2, "second"), "first\n\n\n\nsecond")).toBe(false);
    expect(check(id, kw(2, 3, "second"), "first\n\n\n\nsecond")).toBe(false); // 3 > 2 non-empty paragraphs
    expect(check(id, kw(3, 2, "second"), "first\n\nsecond")).toBe(false);
    expect(check(id, kw(2, 1, "title"), "**Title**\n\nbody")).toBe(false); // the word is "**title**"
  });
});

describe("detectable_content", () => {
  it("number_placeholders: shortest [..] on one line", () => {
    const kw = (n: number) => ({ num_placeholders: n });
    expect(check("detectable_content:number_placeholders", kw(2), "[name] at [address]")).toBe(true);
    expect(check("detectable_content:number_placeholders", kw(2), "[name\n] at [address]")).toBe(false);
    expect(check("detectable_content:number_placeholders", kw(1), "[]")).toBe(true);
  });

  it("postscript: case-insensitive, optional spaces, anywhere", () => {
    const ps = { postscript_marker: "P.S." };
    const pps = { postscript_marker: "P.P.S" };
    expect(check("detectable_content:postscript", ps, "Body.\n\np.s. see you")).toBe(true);
    expect(check("detectable_content:postscript", ps, "Body. P. S. inline")).toBe(true);
    expect(check("detectable_content:postscript", ps, "Body. PS no dots")).toBe(false);
    expect(check("detectable_content:postscript", pps, "Body.\nP.P.S tail")).toBe(true);
    expect(check("detectable_content:postscript", pps, "Body.\nP.S. tail")).toBe(false);
    expect(check("detectable_content:postscript", { postscript_marker: "Note:" }, "end\nNOTE: x")).toBe(true);
  });
});

describe("detectable_format", () => {
  it("number_bullet_lists: * and - lines; --- counts, ** and numbered items do not", () => {
    const kw = (n: number) => ({ num_bullets: n });
    const id = "detectable_format:number_bullet_lists";
    expect(check(id, kw(2), "* one\n* two")).toBe(true);
    expect(check(id, kw(3), "* one\n- two\n---")).toBe(true);
    expect(check(id, kw(1), "**Bold** line\n* one\n1. numbered")).toBe(true);
    expect(check(id, kw(2), "* one\n* two\n* three")).toBe(false);
  });

  it("constrained_response: one of the exact options, case-sensitive", () => {
    const id = "detectable_format:constrained_response";
    expect(check(id, {}, "Well... My answer is maybe.")).toBe(true);
    expect(check(id, {}, "my answer is yes.")).toBe(false);
    expect(check(id, {}, "My answer is no")).toBe(false);
  });

  it("number_highlighted_sections: *x* and **x** count once each, blank ones never", () => {
    const id = "detectable_format:number_highlighted_sections";
    const kw = (n: number) => ({ num_highlights: n });
    expect(check(id, kw(2), "*one* and **two**")).toBe(true);
    expect(check(id, kw(3), "*one* and **two**")).toBe(false);
    expect(check(id, kw(1), "** ** and * *")).toBe(false);
    expect(check(id, kw(1), "*across\nlines*")).toBe(false);
  });

  it("multiple_sections: splitter then a number (any Unicode digit), case-sensitive", () => {
    const id = "detectable_format:multiple_sections";
    const kw = (sp: string, n: number) => ({ section_spliter: sp, num_sections: n });
    expect(check(id, kw("SECTION", 2), "SECTION 1\nfoo\nSECTION 2\nbar")).toBe(true);
    expect(check(id, kw("SECTION", 2), "SECTION X\nfoo\nSECTION Y\nbar")).toBe(false);
    expect(check(id, kw("Section", 2), "SECTION 1\nfoo\nSECTION 2\nbar")).toBe(false);
    expect(check(id, kw("Day", 2), "Day1 x Day ٢ y")).toBe(true);
  });

  it("json_format: fences stripped as the reference chains removeprefix; Python json.loads", () => {
    const id = "detectable_format:json_format";
    expect(check(id, {}, '```json\n{"a": 1}\n```')).toBe(true);
    expect(check(id, {}, "```JSON\n[1, 2]\n```")).toBe(true);
    expect(check(id, {}, "```\nNaN\n```")).toBe(true);
    expect(check(id, {}, '```javascript\n{"a": 1}\n```')).toBe(false);
    expect(check(id, {}, '{"a": 1,}')).toBe(false);
    expect(check(id, {}, 'Here is JSON: {"a": 1}')).toBe(false);
    expect(check(id, {}, '```json```{"a": 1}')).toBe(true); // "```json" then "```" both removed
  });

  it("title: <<...>> on one line with non-blank text", () => {
    const id = "detectable_format:title";
    expect(check(id, {}, "<<My Poem>>\ntext")).toBe(true);
    expect(check(id, {}, "<< >> and <<\nx>>")).toBe(false);
    expect(check(id, {}, "<<a>> and <<b>>")).toBe(true);
  });
});

describe("combination, startend, punctuation", () => {
  it("two_responses: two different non-blank answers; blank chunks only at the ends", () => {
    const id = "combination:two_responses";
    expect(check(id, {}, "Answer A\n******\nAnswer B")).toBe(true);
    expect(check(id, {}, "******\nAnswer A\n******\nAnswer B\n******")).toBe(true);
    expect(check(id, {}, "Answer A\n******\n******\nAnswer B")).toBe(false);
    expect(check(id, {}, "Same\n******\n Same ")).toBe(false);
    expect(check(id, {}, "A\n******\nB\n******\nC")).toBe(false);
  });

  it("repeat_prompt: starts with the prompt, stripped and case-insensitive", () => {
    const kw = { prompt_to_repeat: " Write a poem. " };
    expect(check("combination:repeat_prompt", kw, "\nWRITE A POEM. Roses are red")).toBe(true);
    expect(check("combination:repeat_prompt", kw, "Sure! Write a poem.")).toBe(false);
  });

  it("end_checker: quotes and whitespace around the response are ignored; case-insensitive", () => {
    const kw = { end_phrase: "Any other questions?" };
    expect(check("startend:end_checker", kw, '"Done. any other QUESTIONS?"\n')).toBe(true);
    expect(check("startend:end_checker", kw, "Any other questions? Thanks")).toBe(false);
  });

  it("quotation: stripped, length > 1, ASCII double quotes at both ends", () => {
    expect(check("startend:quotation", {}, '  "quoted"  ')).toBe(true);
    expect(check("startend:quotation", {}, '"')).toBe(false);
    expect(check("startend:quotation", {}, '""')).toBe(true);
    expect(check("startend:quotation", {}, "“curly”")).toBe(false);
  });

  it("no_comma: only the ASCII comma counts", () => {
    expect(check("punctuation:no_comma", {}, "你好，世界")).toBe(true);
    expect(check("punctuation:no_comma", {}, "a, b")).toBe(false);
  });
});
