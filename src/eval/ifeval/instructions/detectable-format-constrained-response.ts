import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyStrip } from "../pystr.js";

export const CONSTRAINED_RESPONSE_OPTIONS = ["My answer is yes.", "My answer is no.", "My answer is maybe."] as const;

/** detectable_format:constrained_response - the response contains one of the three options (case-sensitive). */
export const detectableFormatConstrainedResponse: InstructionSpec = {
  id: "detectable_format:constrained_response",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: `Answer with one of the following options: ${CONSTRAINED_RESPONSE_OPTIONS.map((o) => JSON.stringify(o)).join(", ")}`,
      check: (response) => {
        const text = pyStrip(response);
        return CONSTRAINED_RESPONSE_OPTIONS.some((o) => text.includes(o));
      },
    };
  },
};
