import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pySearch } from "../pyre.js";

/**
 * keywords:forbidden_words - none of the (de-duplicated) words occurs as a whole word: `\bword\b`, case-insensitive,
 * with Python's Unicode word boundaries. The word itself is inserted into the pattern unescaped, as the reference does.
 */
export const keywordsForbiddenWords: InstructionSpec = {
  id: "keywords:forbidden_words",
  kwargNames: ["forbidden_words"],
  build(raw) {
    const words = [...new Set(new Kwargs(this, raw).stringList("forbidden_words"))].sort();
    const patterns = words.map((w) => compilePyRegex(`\\b${w}\\b`, { ignoreCase: true }));
    return {
      id: this.id,
      description: `Do not include the words ${words.map((w) => JSON.stringify(w)).join(", ")} in the response.`,
      check: (response) => !patterns.some((re) => pySearch(re, response)),
    };
  },
};
