/**
 * Reading the numbered constraint list an LLM writes inside `<result>...</result>` (x2 generation). Lines look like
 * `1. text`, `1、text`, `(1) text`, `- text`; continuation lines (no marker) are appended to the previous item.
 */

const ITEM_MARKER = /^\s*(?:\(?\d+[.)、．:：]\)?|[-*•])\s*/;

/** The text inside `<result>`; a missing closing tag (truncated reply) is tolerated. */
export function resultBlock(text: string): string | undefined {
  const m = /<result>\s*([\s\S]*?)\s*(?:<\/result>|$)/i.exec(text);
  return m && m[1].trim() !== "" ? m[1].trim() : undefined;
}

/** The `<explain>` text, if any. */
export function explainBlock(text: string): string | undefined {
  return /<explain>\s*([\s\S]*?)\s*<\/explain>/i.exec(text)?.[1];
}

/** Split a numbered list into its items, renumbered `1. ...`, `2. ...` (TRACE's own line format). */
export function parseConstraintList(block: string): string[] {
  const items: string[] = [];
  for (const line of block.split("\n")) {
    if (line.trim() === "") continue;
    if (ITEM_MARKER.test(line)) items.push(line.replace(ITEM_MARKER, "").trim());
    else if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
    else items.push(line.trim());
  }
  return items.filter((t) => t !== "").map((t, i) => `${i + 1}. ${t}`);
}

/** Constraint text without its leading number, for comparing lists. */
export function stripNumber(constraint: string): string {
  return constraint.replace(ITEM_MARKER, "").trim();
}
