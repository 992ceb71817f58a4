import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";
import { pyLstrip, pyRstrip, pyStrip } from "../pystr.js";

// Greedy within a line: "<<a>> and <<b>>" is one match.
const TITLE = compilePyRegex("<<[^\\n]+>>");

/** detectable_format:title - some `<<...>>` on one line has non-blank text inside the angle brackets. */
export const detectableFormatTitle: InstructionSpec = {
  id: "detectable_format:title",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "The answer must contain a title wrapped in double angular brackets, such as <<poem of joy>>.",
      check: (response) => pyFindall(TITLE, response).some((t) => pyStrip(pyRstrip(pyLstrip(t, "<"), ">")) !== ""),
    };
  },
};
