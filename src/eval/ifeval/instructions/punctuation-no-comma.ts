import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";

/** punctuation:no_comma - no ASCII comma (a full-width "，" is not one). */
export const punctuationNoComma: InstructionSpec = {
  id: "punctuation:no_comma",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "Do not use any commas in the entire response.",
      check: (response) => !response.includes(","),
    };
  },
};
