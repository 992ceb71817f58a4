import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyLower, pyStrip } from "../pystr.js";

/**
 * startend:end_checker - the response, stripped of whitespace and then of surrounding double quotes, ends with the
 * phrase (case-insensitive).
 */
export const startendEndChecker: InstructionSpec = {
  id: "startend:end_checker",
  kwargNames: ["end_phrase"],
  build(raw) {
    const phrase = pyStrip(new Kwargs(this, raw).string("end_phrase"));
    const expected = pyLower(pyStrip(phrase));
    return {
      id: this.id,
      description: `Finish the response with this exact phrase: ${JSON.stringify(phrase)}. No other words should follow it.`,
      check: (response) => pyLower(pyStrip(pyStrip(response), '"')).endsWith(expected),
    };
  },
};
