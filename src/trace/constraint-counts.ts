import { existsSync } from "node:fs";
import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import { bundledDataPath } from "../util/paths.js";
import type { Rand } from "../util/random.js";

/**
 * How many constraints the expander is asked for per instruction: a distribution over counts, drawn per row from
 * the run seed. The default is the shape of the paper's training set (Table 2, row #Training: 1 to 15 constraints,
 * 991 single-constraint items, mean 4.36), shipped as data in `data/paper/`. A distribution is named by a spec:
 *
 *   paper-train        Table 2, training row (the default of `trace build` / `trace expand`)
 *   paper-eval         Table 2, evaluation row
 *   uniform:MIN-MAX    every count in [MIN, MAX] equally likely (before issue 17 the expander used uniform:2-6)
 *   FILE               a JSON object with `counts` (or `by_constraints_num`, as `iopo stats --json` prints) mapping
 *                      a count to a weight, or a TRACE JSONL file (the shape of its instructions)
 *
 * `--min-constraints` / `--max-constraints` truncate the distribution to [min, max] and renormalise it.
 */

export interface CountDistribution {
  /** The spec it was made from ("paper-train", "uniform:2-6", a file path). */
  name: string;
  /** Where its numbers come from. */
  source?: string;
  /** Weight (an instruction count, or any non-negative number) per number of constraints, keys ascending. */
  weights: Map<number, number>;
}

/** Bundled distributions by name. */
export const PAPER_COUNT_FILES = {
  "paper-train": bundledDataPath("paper", "constraint_counts_train.json"),
  "paper-eval": bundledDataPath("paper", "constraint_counts_eval.json"),
} as const;

export const DEFAULT_COUNT_SPEC = "paper-train";

/** A spec that is neither a known name, a `uniform:` range nor an existing file (the CLI maps it to a usage error). */
export class CountSpecError extends Error {}

const UNIFORM = /^uniform:(\d+)-(\d+)$/;

/** The distribution a spec names (see the file comment). Throws CountSpecError or DataError (file contents). */
export function loadCountDistribution(spec: string = DEFAULT_COUNT_SPEC): CountDistribution {
  const s = spec.trim();
  if (s in PAPER_COUNT_FILES) return readCountFile(PAPER_COUNT_FILES[s as keyof typeof PAPER_COUNT_FILES], s);
  const u = UNIFORM.exec(s);
  if (u) {
    const [min, max] = [Number(u[1]), Number(u[2])];
    if (min < 1 || max < min) throw new CountSpecError(`${s}: expected uniform:MIN-MAX with 1 <= MIN <= MAX`);
    const weights = new Map<number, number>();
    for (let c = min; c <= max; c++) weights.set(c, 1);
    return { name: s, source: `uniform over ${min}-${max} constraints`, weights };
  }
  if (s.startsWith("uniform")) throw new CountSpecError(`${s}: expected uniform:MIN-MAX, e.g. uniform:2-6`);
  if (!existsSync(s)) {
    throw new CountSpecError(
      `${s}: not a distribution (paper-train, paper-eval, uniform:MIN-MAX, or an existing JSON / TRACE JSONL file)`,
    );
  }
  return readCountFile(s, s);
}

/** A JSON distribution file, or a TRACE JSONL file counted by constraints per record. */
function readCountFile(file: string, name: string): CountDistribution {
  const text = readUtf8(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return jsonlCounts(file, name, text);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataError(file, undefined, undefined, "expected a JSON object with `counts`");
  }
  const obj = value as Record<string, unknown>;
  // A one-line TRACE JSONL file parses as one JSON object too.
  if (!("counts" in obj || "by_constraints_num" in obj) && ("constraints_num" in obj || "constraints_splits" in obj)) {
    return jsonlCounts(file, name, text);
  }
  const field = "counts" in obj ? "counts" : "by_constraints_num" in obj ? "by_constraints_num" : undefined;
  if (!field) throw new DataError(file, undefined, "counts", "missing (or give `by_constraints_num`)");
  const raw = obj[field];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DataError(file, undefined, field, "expected an object mapping a number of constraints to a weight");
  }
  const weights = new Map<number, number>();
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const c = Number(k);
    if (!/^\d+$/.test(k) || c < 1) throw new DataError(file, undefined, `${field}.${k}`, "expected a count >= 1");
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new DataError(file, undefined, `${field}.${k}`, "expected a non-negative number");
    }
    if (v > 0) weights.set(c, v);
  }
  if (weights.size === 0) throw new DataError(file, undefined, field, "no count has a positive weight");
  const source = typeof obj.source === "string" ? obj.source : undefined;
  return { name, source, weights: sorted(weights) };
}

function jsonlCounts(file: string, name: string, text: string): CountDistribution {
  const weights = new Map<number, number>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new DataError(file, i + 1, undefined, "neither a JSON distribution nor a JSONL line");
    }
    const splits = row.constraints_splits;
    const c = typeof row.constraints_num === "number" ? row.constraints_num : Array.isArray(splits) ? splits.length : 0;
    if (!Number.isInteger(c) || c < 1) {
      throw new DataError(file, i + 1, "constraints_num", "needs constraints_num or constraints_splits (>= 1)");
    }
    weights.set(c, (weights.get(c) ?? 0) + 1);
  }
  if (weights.size === 0) throw new DataError(file, undefined, undefined, "no records");
  return { name, source: `constraints per record of ${file}`, weights: sorted(weights) };
}

const sorted = (m: Map<number, number>) => new Map([...m].sort((a, b) => a[0] - b[0]));

/** The distribution restricted to [min, max] (either optional); an empty result is a CountSpecError. */
export function truncateCounts(d: CountDistribution, min?: number, max?: number): CountDistribution {
  if (min === undefined && max === undefined) return d;
  const lo = min ?? 1;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (hi < lo) throw new CountSpecError(`--max-constraints ${max} is below --min-constraints ${min}`);
  const weights = new Map([...d.weights].filter(([c]) => c >= lo && c <= hi));
  if (weights.size === 0) {
    throw new CountSpecError(`${d.name} has no count in [${lo}, ${max ?? "..."}] (its counts: ${countRange(d)})`);
  }
  const range = `${lo}-${max ?? ""}`;
  return { name: `${d.name} truncated to ${range}`, source: d.source, weights };
}

function countRange(d: CountDistribution): string {
  const cs = [...d.weights.keys()];
  return `${cs[0]}-${cs[cs.length - 1]}`;
}

/** One count drawn from the distribution with `rand` (inverse CDF over the ascending counts). */
export function drawCount(d: CountDistribution, rand: Rand): number {
  const total = totalWeight(d);
  let u = rand() * total;
  let last = 0;
  for (const [c, w] of d.weights) {
    last = c;
    if (u < w) return c;
    u -= w;
  }
  return last;
}

export function totalWeight(d: CountDistribution): number {
  let t = 0;
  for (const w of d.weights.values()) t += w;
  return t;
}

/** Shares per count (summing to 1). */
export function countShares(d: CountDistribution): Map<number, number> {
  const t = totalWeight(d);
  return new Map([...d.weights].map(([c, w]) => [c, w / t]));
}

export function meanCount(d: CountDistribution): number {
  let s = 0;
  for (const [c, p] of countShares(d)) s += c * p;
  return s;
}

export interface CountComparison {
  /** The compared data's name and the reference's. */
  data: string;
  reference: string;
  referenceSource?: string;
  rows: { constraints: number; data_n: number; data_share: number; reference_n: number; reference_share: number }[];
  data_mean: number;
  reference_mean: number;
  /** Total variation distance of the two share vectors: half the L1 distance, 0 = identical, 1 = disjoint. */
  total_variation: number;
}

/** Per-count shares of `data` beside those of `reference`, both means and their total variation distance. */
export function compareCounts(data: CountDistribution, reference: CountDistribution): CountComparison {
  const p = countShares(data);
  const q = countShares(reference);
  const counts = [...new Set([...p.keys(), ...q.keys()])].sort((a, b) => a - b);
  let tv = 0;
  const rows = counts.map((c) => {
    const [dp, rq] = [p.get(c) ?? 0, q.get(c) ?? 0];
    tv += Math.abs(dp - rq);
    return {
      constraints: c,
      data_n: data.weights.get(c) ?? 0,
      data_share: dp,
      reference_n: reference.weights.get(c) ?? 0,
      reference_share: rq,
    };
  });
  return {
    data: data.name,
    reference: reference.name,
    referenceSource: reference.source,
    rows,
    data_mean: meanCount(data),
    reference_mean: meanCount(reference),
    total_variation: tv / 2,
  };
}

/** The distribution of a set of records' constraint counts (`by_constraints_num` of the stats, or counts). */
export function countsOf(name: string, byCount: Record<string, number>): CountDistribution {
  const weights = new Map<number, number>();
  for (const [k, v] of Object.entries(byCount)) if (v > 0) weights.set(Number(k), v);
  return { name, weights: sorted(weights) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The comparison as text lines: one row per count, then the means and the distance. */
export function formatCountComparison(c: CountComparison): string[] {
  const w = Math.max(10, c.data.length);
  const out = [
    `constraints per instruction: ${c.data} vs ${c.reference}`,
    ...(c.referenceSource ? wrapWords(`${c.reference}: ${c.referenceSource}`, 106).map((l) => `  ${l}`) : []),
    `  C  ${c.data.slice(0, w).padStart(w)}  share   ${c.reference.padStart(12)}  share`,
  ];
  for (const r of c.rows) {
    out.push(
      `${String(r.constraints).padStart(3)}  ${String(r.data_n).padStart(w)} ${pct(r.data_share).padStart(6)}   ${String(r.reference_n).padStart(12)} ${pct(r.reference_share).padStart(6)}`,
    );
  }
  out.push(
    `mean ${c.data_mean.toFixed(2).padStart(w - 1)}          ${c.reference_mean.toFixed(2).padStart(12)}`,
    `total variation distance ${c.total_variation.toFixed(3)} (0 = the same shares, 1 = no count in common)`,
  );
  return out;
}
