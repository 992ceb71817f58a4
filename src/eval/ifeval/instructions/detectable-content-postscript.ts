import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pySearch } from "../pyre.js";
import { pyLower, pyStrip } from "../pystr.js";

// The reference's patterns for its two standard markers; neither is anchored, so the marker may appear anywhere.
const PPS = compilePyRegex("\\s*p\\.\\s?p\\.\\s?s.*$", { multiline: true });
const PS = compilePyRegex("\\s*p\\.\\s?s\\..*$", { multiline: true });

/**
 * detectable_content:postscript - the lowercased response contains the postscript marker. "P.P.S" and "P.S." have
 * tolerant patterns (optional spaces); any other marker is lowercased and used as a regex, unescaped.
 */
export const detectableContentPostscript: InstructionSpec = {
  id: "detectable_content:postscript",
  kwargNames: ["postscript_marker"],
  build(raw) {
    const marker = pyStrip(new Kwargs(this, raw).string("postscript_marker"));
    const pattern =
      marker === "P.P.S"
        ? PPS
        : marker === "P.S."
          ? PS
          : compilePyRegex(`\\s*${pyLower(marker)}.*$`, { multiline: true });
    return {
      id: this.id,
      description: `At the end of the response, add a postscript starting with ${marker}`,
      check: (response) => pySearch(pattern, pyLower(response)),
    };
  },
};
