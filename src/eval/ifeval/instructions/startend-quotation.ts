import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyLen, pyStrip } from "../pystr.js";

/** startend:quotation - the stripped response is at least two characters, first and last an ASCII `"`. */
export const startendQuotation: InstructionSpec = {
  id: "startend:quotation",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "Wrap the entire response with double quotation marks.",
      check: (response) => {
        const text = pyStrip(response);
        return pyLen(text) > 1 && text.startsWith('"') && text.endsWith('"');
      },
    };
  },
};
