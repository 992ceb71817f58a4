import type { InstructionSpec } from "../instruction.js";
import { compareCount, Kwargs } from "../kwargs.js";
import { splitSentences } from "../text-deps.js";

/** length_constraints:number_sentences - the NLTK Punkt (English) sentence count is "less than" / "at least" N. */
export const lengthConstraintsNumberSentences: InstructionSpec = {
  id: "length_constraints:number_sentences",
  kwargNames: ["num_sentences", "relation"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const threshold = kw.count("num_sentences");
    const relation = kw.relation("relation");
    return {
      id: this.id,
      description: `The response should contain ${relation} ${threshold} sentences.`,
      check: (response) => compareCount(splitSentences(response).length, relation, threshold),
    };
  },
};
