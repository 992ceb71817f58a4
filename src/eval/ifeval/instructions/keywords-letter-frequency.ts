import type { InstructionSpec } from "../instruction.js";
import { compareCount, Kwargs, KwargsError } from "../kwargs.js";
import { pyLen, pyLower } from "../pystr.js";

/**
 * keywords:letter_frequency - the letter occurs "less than" / "at least" N times in the lowercased response
 * (code points, like Python's `Counter`).
 *
 * Deliberate deviation: when `letter` is not a single a-z letter (the data has "#" and "!"), the reference replaces
 * it with a random letter, so its verdict changes from run to run. Here the literal character is counted, which is
 * deterministic and is what the prompt asks for.
 */
export const keywordsLetterFrequency: InstructionSpec = {
  id: "keywords:letter_frequency",
  kwargNames: ["letter", "let_frequency", "let_relation"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const given = kw.string("letter");
    const frequency = kw.count("let_frequency");
    const relation = kw.relation("let_relation");
    // The reference lowers the letter too; a non a-z character is taken literally instead of replaced at random.
    const letter = pyLower(given);
    if (pyLen(letter) !== 1)
      throw new KwargsError(this.id, "letter", `expected one character, got ${JSON.stringify(given)}`);
    return {
      id: this.id,
      description: `The letter ${JSON.stringify(letter)} should appear ${relation} ${frequency} times in the response.`,
      check: (response) => {
        let n = 0;
        for (const ch of pyLower(response)) if (ch === letter) n++;
        return compareCount(n, relation, frequency);
      },
    };
  },
};
