import type { InstructionSpec } from "../instruction.js";
import { Kwargs, KwargsError } from "../kwargs.js";
import { pyLower, pyLstrip, pySplitWhitespace, pyStrip } from "../pystr.js";

const STOP_CHARS = new Set([".", ",", "?", "!", "'", '"']);

/**
 * length_constraints:nth_paragraph_first_word - exactly N non-empty paragraphs separated by "\n\n", and paragraph
 * `nth_paragraph` starts with `first_word`. As in the reference, the paragraph count ignores empty chunks but the
 * nth paragraph is taken from the raw split (empties included) and must be non-empty; its first whitespace-separated
 * token, with leading ' then " removed and cut at the first of . , ? ! ' ", lowercased, is the first word.
 */
export const lengthConstraintsNthParagraphFirstWord: InstructionSpec = {
  id: "length_constraints:nth_paragraph_first_word",
  kwargNames: ["num_paragraphs", "nth_paragraph", "first_word"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const expected = kw.count("num_paragraphs");
    const nth = kw.count("nth_paragraph");
    if (nth < 1) throw new KwargsError(this.id, "nth_paragraph", "must be at least 1");
    const firstWord = pyLower(kw.string("first_word"));
    return {
      id: this.id,
      description:
        `There should be ${expected} paragraphs, separated by two new lines ("\\n\\n"); ` +
        `paragraph ${nth} must start with the word ${JSON.stringify(firstWord)}.`,
      check: (response) => {
        const chunks = response.split("\n\n");
        const count = chunks.filter((c) => pyStrip(c) !== "").length;
        if (nth > count) return false;
        const paragraph = pyStrip(chunks[nth - 1]);
        if (paragraph === "") return false;
        const token = pyLstrip(pyLstrip(pyStrip(pySplitWhitespace(paragraph)[0]), "'"), '"');
        let word = "";
        for (const ch of token) {
          if (STOP_CHARS.has(ch)) break;
          word += pyLower(ch);
        }
        return count === expected && word === firstWord;
      },
    };
  },
};
