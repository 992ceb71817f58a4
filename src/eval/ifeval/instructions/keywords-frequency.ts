import type { InstructionSpec } from "../instruction.js";
import { compareCount, Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";
import { pyStrip } from "../pystr.js";

/**
 * keywords:frequency - the keyword occurs "less than" / "at least" N times, counted as non-overlapping
 * case-insensitive regex matches of the (stripped, unescaped) keyword: "war" also matches inside "software".
 */
export const keywordsFrequency: InstructionSpec = {
  id: "keywords:frequency",
  kwargNames: ["keyword", "frequency", "relation"],
  build(raw) {
    const kw = new Kwargs(this, raw);
    const keyword = pyStrip(kw.string("keyword"));
    const frequency = kw.count("frequency");
    const relation = kw.relation("relation");
    const pattern = compilePyRegex(keyword, { ignoreCase: true });
    return {
      id: this.id,
      description: `The word ${JSON.stringify(keyword)} should appear ${relation} ${frequency} times in the response.`,
      check: (response) => compareCount(pyFindall(pattern, response).length, relation, frequency),
    };
  },
};
