import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";
import { pyStrip } from "../pystr.js";

/**
 * detectable_format:multiple_sections - at least N section markers: the splitter word (case-sensitive, inserted
 * into the regex unescaped) followed by a number, e.g. "SECTION 2". `len(re.split(...)) - 1` in the reference is
 * the number of matches.
 */
export const detectableFormatMultipleSections: InstructionSpec = {
  id: "detectable_format:multiple_sections",
  kwargNames: ["section_spliter", "num_sections"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const splitter = pyStrip(kw.string("section_spliter"));
    const minimum = kw.count("num_sections");
    const pattern = compilePyRegex(`\\s?${splitter}\\s?\\d+\\s?`);
    return {
      id: this.id,
      description: `The response must have ${minimum} sections; mark the beginning of each with "${splitter} X", such as "${splitter} 1".`,
      check: (response) => pyFindall(pattern, response).length >= minimum,
    };
  },
};
