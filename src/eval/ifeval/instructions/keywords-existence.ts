import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pySearch } from "../pyre.js";

/**
 * keywords:existence - every keyword occurs. Each keyword is used as a Python regex (unescaped, case-insensitive)
 * with no word boundaries, so a keyword inside a longer word counts.
 */
export const keywordsExistence: InstructionSpec = {
  id: "keywords:existence",
  kwargNames: ["keywords"],
  build(raw) {
    const keywords = [...new Kwargs(this, raw).stringList("keywords")].sort();
    const patterns = keywords.map((k) => compilePyRegex(k, { ignoreCase: true }));
    return {
      id: this.id,
      description: `Include the keywords ${keywords.map((k) => JSON.stringify(k)).join(", ")} in the response.`,
      check: (response) => patterns.every((re) => pySearch(re, response)),
    };
  },
};
