/**
 * Tolerant parser for the TRACE response-evaluation judge (appendix B.5 / the released TRACE judge):
 *
 *     Explanation: ...
 *     Fine Grained Score: [{"<constraint 1>": 10, "<constraint 2>": 0}]
 *     Constraints Overall Score: [[5]]
 *
 * Judges paraphrase the constraint keys, use Chinese quotes, leave quotes unescaped inside keys, add trailing
 * commas, write floats or "10分". So the fine-grained part is not read with JSON.parse (which would also merge
 * duplicate keys and reorder integer-like ones): a scanner walks the block and takes each `key: number` entry in
 * order, and scores are matched to constraints BY POSITION. The overall score uses exactly the released regex.
 *
 * The parser never throws: every output is either parsed, or returned with `parse_error` set; the raw text is
 * always kept.
 */

/** The released judge's only parse (TRACE/Eval_script/src/evaluators/trace/trace.py), DOTALL. */
export const OVERALL_SCORE_REGEX = /Constraints Overall Score:\s*\[\[([0-9.]+)\]\]/s;

export interface TraceJudgeParse {
  /** Per-constraint scores in the judge's order, or null when none could be read. */
  scores: number[] | null;
  /** The keys as the judge wrote them (paraphrased constraint texts), parallel to `scores`. */
  keys: string[] | null;
  /** `Constraints Overall Score: [[x]]` read with the released regex, or null. */
  overall: number | null;
  /** The whole judge output, unchanged. */
  raw: string;
  /** Number of constraints the instruction has (when known). */
  expected_count?: number;
  /** Set when the fine-grained scores could not be used (missing, unreadable, wrong count, out of range). */
  parse_error?: string;
}

/** Parse one judge output. `expectedCount` (the instruction's number of constraints) enables the count check. */
export function parseTraceJudge(raw: unknown, expectedCount?: number): TraceJudgeParse {
  const text = typeof raw === "string" ? raw : raw === undefined || raw === null ? "" : String(raw);
  const result: TraceJudgeParse = { scores: null, keys: null, overall: null, raw: text };
  if (expectedCount !== undefined) result.expected_count = expectedCount;
  try {
    result.overall = parseOverall(text);
    const blocks = fineGrainedBlocks(text);
    if (blocks.length === 0) {
      result.parse_error = "no Fine Grained Score block";
      return result;
    }
    let entries: Entry[] = [];
    for (const block of blocks) {
      entries = scanEntries(block);
      if (entries.length > 0) break;
    }
    if (entries.length === 0) {
      result.parse_error = "Fine Grained Score block has no readable scores";
      return result;
    }
    result.scores = entries.map((e) => e.score);
    result.keys = entries.map((e) => e.key);
    const bad = entries.find((e) => !(e.score >= 0 && e.score <= 10));
    if (bad) {
      result.parse_error = `score ${bad.score} outside 0-10`;
    } else if (expectedCount !== undefined && entries.length !== expectedCount) {
      result.parse_error = `${entries.length} scores for ${expectedCount} constraints`;
    }
  } catch (err) {
    // Defensive: the scanner is total, but a parser that may not throw must not rely on that.
    result.parse_error = `parser error: ${(err as Error).message}`;
  }
  return result;
}

/** The released reading: `[[x]]` after "Constraints Overall Score:", as a float; null when absent or not a number. */
export function parseOverall(text: string): number | null {
  const m = OVERALL_SCORE_REGEX.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : null;
}

/** Paper eq. 3: followed iff every constraint scores 10 and there is one score per constraint. */
export function followedAllTen(p: TraceJudgeParse, constraintCount: number): boolean {
  return !p.parse_error && p.scores !== null && p.scores.length === constraintCount && p.scores.every((s) => s === 10);
}

/** The released code's reading: followed iff the overall score is 10. */
export function followedOverall(p: TraceJudgeParse): boolean {
  return p.overall === 10;
}

const MARKER = /fine[\s_-]*grained[\s_-]*scores?\**\s*[:：]?/gi;
const OVERALL_MARKER = /constraints?\s*overall\s*scores?/i;

/**
 * Candidate fine-grained blocks, best first: after each "Fine Grained Score" marker (the last one first, since judges
 * may mention the name in their explanation), the text from the first `[` or `{` to its matching bracket, or, if the
 * brackets never balance (truncated output), to the overall-score line. Without any marker, the last `{`/`[{` group
 * before the overall line.
 */
function fineGrainedBlocks(text: string): string[] {
  const starts = [...text.matchAll(MARKER)].map((m) => m.index + m[0].length).reverse();
  const overallAt = (from: number) => {
    const m = OVERALL_MARKER.exec(text.slice(from));
    return m ? from + m.index : text.length;
  };
  if (starts.length === 0) {
    const head = text.slice(0, overallAt(0));
    const open = Math.max(head.lastIndexOf("[{"), head.lastIndexOf("{"));
    if (open >= 0) starts.push(open);
  }
  const blocks: string[] = [];
  for (const start of starts) {
    const region = text.slice(start, overallAt(start));
    const block = bracketBlock(region);
    if (block !== undefined) blocks.push(block);
  }
  return blocks;
}

function bracketBlock(region: string): string | undefined {
  const open = region.search(/[[{]/);
  if (open < 0) return region.trim() === "" ? undefined : region;
  let depth = 0;
  for (let i = open; i < region.length; i++) {
    const c = region[i];
    if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) return region.slice(open, i + 1);
    }
  }
  return region.slice(open);
}

interface Entry {
  key: string;
  score: number;
}

/**
 * One score: a colon (ASCII or full-width), an optional quote, a number, an optional unit ("分", "/10"), an
 * optional closing quote, then a separator or a closing bracket. Everything between the previous entry and this
 * colon is the key, however it is quoted.
 */
const SCORE_ENTRY =
  /[:：=]\s*["'“”‘’]?\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*(?:分|points?|\/\s*10)?\s*["'“”‘’]?\s*(?=[,，;；}\]\n]|$)/g;

function scanEntries(block: string): Entry[] {
  const entries: Entry[] = [];
  let last = 0;
  for (const m of block.matchAll(SCORE_ENTRY)) {
    entries.push({ key: cleanKey(block.slice(last, m.index)), score: Number(m[1]) });
    last = m.index + m[0].length;
  }
  if (entries.length > 0) return entries;
  // A bare list of numbers: [10, 10, 0].
  const bare = block.match(/^\s*\[\s*((?:-?\d+(?:\.\d+)?\s*[,，]?\s*)+)\]?\s*$/);
  if (bare) {
    return bare[1]
      .split(/[,，\s]+/)
      .filter((s) => s !== "")
      .map((s, i) => ({ key: String(i + 1), score: Number(s) }));
  }
  return [];
}

/** Strip the structural characters around a key: brackets, commas, quotes, whitespace. */
function cleanKey(s: string): string {
  return s
    .replace(/^[\s[\]{},，;；]+/, "")
    .replace(/[\s]+$/, "")
    .replace(/^["'“”‘’]/, "")
    .replace(/["'“”‘’]$/, "")
    .trim();
}
