import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { compilePyRegex, pyFindall } from "../pyre.js";

// Lines starting with "*" (not "**") and lines starting with "-"; `\s*` may also swallow preceding blank lines.
// A "---" rule counts as a bullet, numbered lists do not.
const STAR_BULLET = compilePyRegex("^\\s*\\*[^\\*].*$", { multiline: true });
const DASH_BULLET = compilePyRegex("^\\s*-.*$", { multiline: true });

/** Number of markdown bullet points as the reference counts them. */
export function countBullets(text: string): number {
  return pyFindall(STAR_BULLET, text).length + pyFindall(DASH_BULLET, text).length;
}

/** detectable_format:number_bullet_lists - exactly N bullet points. */
export const detectableFormatNumberBulletLists: InstructionSpec = {
  id: "detectable_format:number_bullet_lists",
  kwargNames: ["num_bullets"],
  build(raw) {
    const expected = new Kwargs(this, raw).count("num_bullets");
    return {
      id: this.id,
      description: `The answer must contain exactly ${expected} markdown bullet points, such as "* This is a point."`,
      check: (response) => countBullets(response) === expected,
    };
  },
};
