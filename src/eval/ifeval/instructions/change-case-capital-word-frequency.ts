import type { InstructionSpec } from "../instruction.js";
import { compareCount, Kwargs } from "../kwargs.js";
import { pyIsUpper } from "../pystr.js";
import { wordTokenize } from "../text-deps.js";

/**
 * change_case:capital_word_frequency - the number of `nltk.word_tokenize` tokens that are all-caps (Python
 * `isupper`) is "less than" / "at least" N. Tokens like "I", "A", "U.S." and the "'M" of "I'M" count.
 */
export const changeCaseCapitalWordFrequency: InstructionSpec = {
  id: "change_case:capital_word_frequency",
  kwargNames: ["capital_frequency", "capital_relation"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const frequency = kw.count("capital_frequency");
    const relation = kw.relation("capital_relation");
    return {
      id: this.id,
      description: `Words in all capital letters should appear ${relation} ${frequency} times in the response.`,
      check: (response) => compareCount(wordTokenize(response).filter(pyIsUpper).length, relation, frequency),
    };
  },
};
