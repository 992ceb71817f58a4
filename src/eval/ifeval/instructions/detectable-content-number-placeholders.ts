import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";

const PLACEHOLDER = compilePyRegex("\\[.*?\\]");

/** detectable_content:number_placeholders - at least N `[...]` placeholders (shortest match, within one line). */
export const detectableContentNumberPlaceholders: InstructionSpec = {
  id: "detectable_content:number_placeholders",
  kwargNames: ["num_placeholders"],
  build(raw) {
    const minimum = new Kwargs(this, raw).count("num_placeholders");
    return {
      id: this.id,
      description: `The response must contain at least ${minimum} placeholders in square brackets, such as [address].`,
      check: (response) => pyFindall(PLACEHOLDER, response).length >= minimum,
    };
  },
};
