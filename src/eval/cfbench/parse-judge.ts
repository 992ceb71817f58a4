import { pyFloat } from "./python-numbers.js";

/**
 * Parsing CFBench judge outputs. Two modes:
 *
 * `upstream-exact` reproduces code/evalaute.py:
 *  - strict parse (`_get_judge_scores`): split on "\n\n"; the part count must equal the criteria count; each part
 *    must split on "\t" into exactly two fields; the echoed text must equal the criterion text exactly; the score
 *    must satisfy float(score) in [0, 1]. Any failure -> the item is judged again (up to the round limit).
 *  - fallback after the last round (`_get_judge_scores_guaranteed`): split on "\n", keep lines with exactly two
 *    tab fields whose float(score) is truthy and in [0, 1]. UPSTREAM QUIRK, kept for comparability: a 0 is falsy,
 *    so only the 1s survive and a surviving item scores CSR = 1 (judge_parsing "0"); if nothing survives the
 *    scores become ["0"] (judge_parsing "-1"). Upstream crashes on a non-numeric score in this step; we skip
 *    that line and count it in `fallback_skipped` instead.
 *
 * `tolerant` matches the judge's lines to the criteria by order and fuzzy text (quotes, full-width/ASCII forms,
 * whitespace and escaped "\t"/"\n" normalised), accepts tab, colon or space before the score and scores written
 * "1.0"; criteria left without a score count as 0 and are reported as `missing`.
 */

export type StrictParse = { ok: true; scores: string[] } | { ok: false; reason: string };

export function parseStrict(text: string, criteria: readonly string[]): StrictParse {
  const judges = text.split("\n\n");
  if (judges.length !== criteria.length)
    return { ok: false, reason: `expected ${criteria.length} parts separated by a blank line, got ${judges.length}` };
  const scores: string[] = [];
  for (let i = 0; i < judges.length; i++) {
    const fields = judges[i].split("\t");
    if (fields.length !== 2) return { ok: false, reason: `part ${i + 1}: expected one tab, got ${fields.length - 1}` };
    const [crit, score] = fields;
    if (crit !== criteria[i]) return { ok: false, reason: `part ${i + 1}: echoed criterion differs from the original` };
    let value: number;
    try {
      value = pyFloat(score);
    } catch {
      return { ok: false, reason: `part ${i + 1}: score ${JSON.stringify(score)} is not a number` };
    }
    if (value !== 0 && value !== 1) return { ok: false, reason: `part ${i + 1}: score ${value} is not 0 or 1` };
    scores.push(score.trim());
  }
  return { ok: true, scores };
}

export interface FallbackParse {
  scores: string[];
  judge_parsing: "0" | "-1";
  /** Lines upstream would have crashed on (non-numeric score); skipped here. */
  fallback_skipped: number;
}

export function parseFallbackUpstream(text: string): FallbackParse {
  const scores: string[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    const fields = line.split("\t");
    if (fields.length !== 2) continue;
    let value: number;
    try {
      value = pyFloat(fields[1]);
    } catch {
      skipped++;
      continue;
    }
    if (value && (value === 0 || value === 1)) scores.push(fields[1].trim());
  }
  if (scores.length === 0) return { scores: ["0"], judge_parsing: "-1", fallback_skipped: skipped };
  return { scores, judge_parsing: "0", fallback_skipped: skipped };
}

/** Normalise text for fuzzy comparison: NFKC (full-width -> ASCII), one quote style, no whitespace or trailing punctuation. */
export function normaliseForMatch(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/\\[nt]/g, "")
    .replace(/[“”„‟＂«»「」『』〝〞]/g, '"')
    .replace(/[‘’‚‛]/g, "'")
    .replace(/[*#`>]/g, "")
    .replace(/^\s*(?:\d+[.、)]|[-•·])\s*/u, "")
    .replace(/\s+/g, "")
    .replace(/[。.；;，,：:！!？?]+$/u, "")
    .toLowerCase();
}

/** Similarity in [0, 1]: 2 * |LCS| / (|a| + |b|) over code points. */
export function similarity(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length === 0 && y.length === 0) return 1;
  if (x.length === 0 || y.length === 0) return 0;
  let prev = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    const cur = new Array<number>(y.length + 1).fill(0);
    for (let j = 1; j <= y.length; j++)
      cur[j] = x[i - 1] === y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    prev = cur;
  }
  return (2 * prev[y.length]) / (x.length + y.length);
}

export interface TolerantParse {
  /** One 0/1 per criterion; null where no score was found. */
  scores: (0 | 1 | null)[];
  missing: number;
  /** Scored lines found in the text. */
  found: number;
}

const SCORE_AT_END = /^(.*?)(?:\t+|\s*[:：]\s*|\s{1,})[[(（【]?([01])(?:\.0+)?[\])）】]?(?:分)?\s*$/su;

/** Tolerant parse: scored lines by order when the counts agree, else by fuzzy text match (order-preserving). */
export function parseTolerant(text: string, criteria: readonly string[]): TolerantParse {
  const cleaned = text
    .replace(/\r\n?/g, "\n")
    .replace(/\\t/g, "\t")
    .replace(/\\n/g, "\n")
    // Code fences and an echoed "[你的评估]:" header are not part of any checkpoint line.
    .replace(/^\s*```[\w-]*\s*$/gm, "")
    .replace(/^\s*\[?你的评估\]?\s*[:：]?\s*$/gm, "");
  const entries: { text: string; score: 0 | 1 }[] = [];
  let pending = "";
  for (const line of cleaned.split("\n")) {
    if (line.trim() === "") continue;
    const m = SCORE_AT_END.exec(line.replace(/\s+$/, ""));
    if (m) {
      entries.push({ text: pending + m[1], score: m[2] === "1" ? 1 : 0 });
      pending = "";
    } else pending += `${line}\n`;
  }
  const scores: (0 | 1 | null)[] = criteria.map(() => null);
  if (entries.length === criteria.length) {
    entries.forEach((e, i) => {
      scores[i] = e.score;
    });
  } else {
    // Greedy order-preserving alignment: each criterion takes the best-matching later entry above a threshold.
    const normCriteria = criteria.map(normaliseForMatch);
    let from = 0;
    for (let i = 0; i < criteria.length && from < entries.length; i++) {
      let best = -1;
      let bestSim = 0.6;
      for (let j = from; j < entries.length; j++) {
        const s = similarity(normCriteria[i], normaliseForMatch(entries[j].text));
        if (s > bestSim) {
          bestSim = s;
          best = j;
        }
      }
      if (best >= 0) {
        scores[i] = entries[best].score;
        from = best + 1;
      }
    }
  }
  const missing = scores.filter((s) => s === null).length;
  return { scores, missing, found: entries.length };
}
