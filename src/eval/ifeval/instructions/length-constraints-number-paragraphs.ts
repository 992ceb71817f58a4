import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex } from "../pyre.js";
import { pyStrip } from "../pystr.js";

const DIVIDER = compilePyRegex("\\s?\\*\\*\\*\\s?");

/**
 * length_constraints:number_paragraphs - exactly N paragraphs separated by the markdown divider `***` (with at most
 * one whitespace character either side). An empty first or last chunk is ignored; an empty chunk in the middle
 * (two dividers in a row) fails.
 */
export const lengthConstraintsNumberParagraphs: InstructionSpec = {
  id: "length_constraints:number_paragraphs",
  kwargNames: ["num_paragraphs"],
  build(raw) {
    const expected = new Kwargs(this, raw).count("num_paragraphs");
    return {
      id: this.id,
      description: `There should be ${expected} paragraphs, separated by the markdown divider ***.`,
      check: (response) => {
        const chunks = response.split(DIVIDER);
        let count = chunks.length;
        for (let i = 0; i < chunks.length; i++) {
          if (pyStrip(chunks[i]) !== "") continue;
          if (i === 0 || i === chunks.length - 1) count--;
          else return false;
        }
        return count === expected;
      },
    };
  },
};
