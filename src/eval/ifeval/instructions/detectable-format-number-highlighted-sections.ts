import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";
import { pyStrip, removePrefix, removeSuffix } from "../pystr.js";

const SINGLE = compilePyRegex("\\*[^\\n\\*]*\\*");
const DOUBLE = compilePyRegex("\\*\\*[^\\n\\*]*\\*\\*");

/**
 * Highlighted sections as the reference counts them: non-blank `*...*` matches plus non-blank `**...**` matches,
 * each on one line. Both patterns scan independently, so `*x*` counts once and `**x**` counts once (only the
 * double pattern sees it as non-blank: the single one matches the empty "**").
 */
export function countHighlights(text: string): number {
  let n = 0;
  for (const h of pyFindall(SINGLE, text)) if (pyStrip(pyStrip(h, "*")) !== "") n++;
  for (const h of pyFindall(DOUBLE, text)) if (pyStrip(removeSuffix(removePrefix(h, "**"), "**")) !== "") n++;
  return n;
}

/** detectable_format:number_highlighted_sections - at least N highlighted sections. */
export const detectableFormatNumberHighlightedSections: InstructionSpec = {
  id: "detectable_format:number_highlighted_sections",
  kwargNames: ["num_highlights"],
  build(raw) {
    const minimum = new Kwargs(this, raw).count("num_highlights");
    return {
      id: this.id,
      description: `Highlight at least ${minimum} sections with markdown, i.e. *highlighted section*.`,
      check: (response) => countHighlights(response) >= minimum,
    };
  },
};
