import type { InstructionSpec } from "../instruction.js";
import { compareCount, Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";

// nltk RegexpTokenizer(r"\w+"): Python's Unicode \w (letters, numbers, underscore; combining marks split words).
const WORD = compilePyRegex("\\w+");

/** Number of words as the IFEval reference counts them: runs of Python `\w` (so "it's" is 2 words, "well-known" 2). */
export function countIfevalWords(text: string): number {
  return pyFindall(WORD, text).length;
}

/** length_constraints:number_words - the word count is "less than" / "at least" N. */
export const lengthConstraintsNumberWords: InstructionSpec = {
  id: "length_constraints:number_words",
  kwargNames: ["num_words", "relation"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const threshold = kw.count("num_words");
    const relation = kw.relation("relation");
    return {
      id: this.id,
      description: `Answer with ${relation} ${threshold} words.`,
      check: (response) => compareCount(countIfevalWords(response), relation, threshold),
    };
  },
};
