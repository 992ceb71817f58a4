import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyLower, pyStrip } from "../pystr.js";

/** combination:repeat_prompt - the response starts with the request to repeat (both stripped, case-insensitive). */
export const combinationRepeatPrompt: InstructionSpec = {
  id: "combination:repeat_prompt",
  kwargNames: ["prompt_to_repeat"],
  build(raw) {
    const prompt = new Kwargs(this, raw).string("prompt_to_repeat");
    const expected = pyLower(pyStrip(prompt));
    return {
      id: this.id,
      description:
        "First repeat the request word for word without change, then give your answer " +
        `(the request to repeat: ${JSON.stringify(prompt)}).`,
      check: (response) => pyLower(pyStrip(response)).startsWith(expected),
    };
  },
};
