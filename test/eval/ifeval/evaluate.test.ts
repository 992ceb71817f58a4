import { describe, expect, it } from "vitest";
import { evaluateResponse, looseVariants, summarize } from "../../../src/eval/ifeval/evaluate.js";

describe("loose variants", () => {
  it("are the reference's 8, in its order", () => {
    const r = "Sure:\n*a* b\nlast*";
    expect(looseVariants(r)).toEqual([
      r,
      "Sure:\na b\nlast",
      "*a* b\nlast*",
      "Sure:\n*a* b",
      "*a* b",
      "a b\nlast",
      "Sure:\na b",
      "a b",
    ]);
  });

  it("strip the line-removed variants but not the first two", () => {
    const v = looseVariants("  x\n y \n z ");
    expect(v[0]).toBe("  x\n y \n z ");
    expect(v[1]).toBe("  x\n y \n z ");
    expect(v[2]).toBe("y \n z");
    expect(v[4]).toBe("y");
  });

  it("of a one-line response: the line-removed variants are empty", () => {
    expect(looseVariants("only")).toEqual(["only", "only", "", "", "", "", "", ""]);
  });
});

describe("evaluateResponse", () => {
  const prompt = (ids: string[], kwargs: Record<string, unknown>[]) => ({
    prompt: "p",
    instruction_id_list: ids,
    kwargs,
  });

  it("strict: an empty or blank response fails every instruction, even no_comma", () => {
    const input = prompt(["punctuation:no_comma", "startend:quotation"], [{}, {}]);
    for (const r of ["", "  \n\t"]) {
      expect(evaluateResponse(input, r, "strict").follow_instruction_list).toEqual([false, false]);
      expect(evaluateResponse(input, r, "loose").follow_instruction_list).toEqual([false, false]);
    }
  });

  it("loose: dropping the first line rescues an intro with a comma", () => {
    const input = prompt(["punctuation:no_comma"], [{}]);
    const r = "Sure, here it is:\nNo commas here";
    expect(evaluateResponse(input, r, "strict").follow_all_instructions).toBe(false);
    expect(evaluateResponse(input, r, "loose").follow_all_instructions).toBe(true);
  });

  it("loose: removing stars rescues **Word** as a first word", () => {
    const input = prompt(
      ["length_constraints:nth_paragraph_first_word"],
      [{ num_paragraphs: 2, nth_paragraph: 1, first_word: "title" }],
    );
    const r = "**Title** of it\n\nbody";
    expect(evaluateResponse(input, r, "strict").follow_instruction_list).toEqual([false]);
    expect(evaluateResponse(input, r, "loose").follow_instruction_list).toEqual([true]);
  });

  it("loose: removing stars can also lose bullets (as in the reference)", () => {
    const input = prompt(["detectable_format:number_bullet_lists"], [{ num_bullets: 2 }]);
    expect(evaluateResponse(input, "* a\n* b", "loose").follow_instruction_list).toEqual([true]);
    expect(evaluateResponse(input, "intro\n* a\n* b\n* c", "loose").follow_instruction_list).toEqual([true]);
    expect(evaluateResponse(input, "* a\n* b\n* c\n* d\n* e", "loose").follow_instruction_list).toEqual([false]);
  });

  it("keeps the reference's output shape and field order", () => {
    const res = evaluateResponse(prompt(["punctuation:no_comma"], [{}]), "ok", "strict");
    expect(Object.keys(res)).toEqual([
      "follow_all_instructions",
      "follow_instruction_list",
      "instruction_id_list",
      "prompt",
      "response",
    ]);
  });

  it("builds a fresh checker per instruction, so a repeated id with other kwargs is judged separately", () => {
    const input = prompt(
      ["keywords:existence", "keywords:existence"],
      [{ keywords: ["alpha"] }, { keywords: ["beta"] }],
    );
    expect(evaluateResponse(input, "alpha only", "strict").follow_instruction_list).toEqual([true, false]);
  });
});

describe("summarize", () => {
  it("prompt-level is all-followed share; instruction-level is micro, duplicates count twice", () => {
    const row = (ids: string[], follow: boolean[]) => ({
      follow_all_instructions: follow.every(Boolean),
      follow_instruction_list: follow,
      instruction_id_list: ids,
      prompt: "p",
      response: "r",
    });
    const acc = summarize([
      row(["startend:quotation", "startend:quotation", "punctuation:no_comma"], [true, false, true]),
      row(["punctuation:no_comma"], [true]),
    ]);
    expect(acc.prompt_level).toEqual({ total: 2, correct: 1, accuracy: 0.5 });
    expect(acc.instruction_level).toEqual({ total: 4, correct: 3, accuracy: 0.75 });
    expect(acc.per_instruction["startend:quotation"]).toEqual({ total: 2, correct: 1, accuracy: 0.5 });
    expect(acc.per_instruction["punctuation:no_comma"]).toEqual({ total: 2, correct: 2, accuracy: 1 });
    expect(Object.keys(acc.per_instruction)).toEqual(["punctuation:no_comma", "startend:quotation"]);
    expect(acc.per_group["startend"]).toEqual({ total: 2, correct: 1, accuracy: 0.5 });
  });
});
