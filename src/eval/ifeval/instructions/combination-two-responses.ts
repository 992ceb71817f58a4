import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyStrip } from "../pystr.js";

/**
 * combination:two_responses - split on "******": exactly two non-blank chunks that differ after stripping. A blank
 * chunk is allowed only first or last (a leading or trailing separator); a blank chunk between separators fails.
 */
export const combinationTwoResponses: InstructionSpec = {
  id: "combination:two_responses",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "Give two different responses, separated by 6 asterisk symbols: ******.",
      check: (response) => {
        const chunks = response.split("******");
        const answers: string[] = [];
        for (let i = 0; i < chunks.length; i++) {
          if (pyStrip(chunks[i]) !== "") answers.push(chunks[i]);
          else if (i !== 0 && i !== chunks.length - 1) return false;
        }
        return answers.length === 2 && pyStrip(answers[0]) !== pyStrip(answers[1]);
      },
    };
  },
};
