import { describe, expect, it } from "vitest";
import { generateInstruction } from "../../src/world/generator.js";
import { renderUserMessage } from "../../src/world/instruction.js";
import { worldLexicon, worldTokens } from "../../src/world/lexicon.js";
import { respond, respondViolating } from "../../src/world/responder.js";

describe("the world lexicon", () => {
  it("covers every token of generated instructions, answers and deliberately wrong answers", () => {
    const lexicon = new Set(worldLexicon());
    const missing = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const ins = generateInstruction(`lex-${i}`, 1 + (i % 9), { contradiction: i % 7 === 0 });
      const texts = [renderUserMessage(ins), respond(ins, `s${i}`).text];
      for (let k = 0; k < ins.constraints.length; k++) texts.push(respondViolating(ins, k, `v${i}`)?.text ?? "");
      for (const t of texts.flatMap(worldTokens)) if (!lexicon.has(t)) missing.add(t);
    }
    expect([...missing]).toEqual([]);
  });

  it("is small and closed: words, single digits and single symbols", () => {
    const lexicon = worldLexicon();
    expect(lexicon.length).toBeLessThan(2000);
    expect(lexicon).toContain("APPLE");
    expect(lexicon).toContain("7");
    expect(lexicon.every((t) => /^(?:[A-Za-z]+|\d|[^\sA-Za-z\d])$/.test(t))).toBe(true);
    expect(worldTokens("1. **Kiwi** - 12!")).toEqual(["1", ".", "*", "*", "Kiwi", "*", "*", "-", "1", "2", "!"]);
  });
});
