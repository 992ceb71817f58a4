import { z } from "zod";
import { readJsonl } from "../data/jsonl.js";
import { CONSTRAINT_TYPES, DIMENSIONS } from "../taxonomy/dimensions.js";
import { LabelResolver, UNKNOWN_DIMENSION } from "../taxonomy/lookup.js";
import { bundledDataPath } from "../util/paths.js";

/**
 * The paper's Table 1 / Table 2 figures for a TRACE file: size, constraints per instruction, distribution by
 * number of constraints, and shares per constraint type and dimension (from `levels2`).
 */

/** What stats needs from a row; any TRACE file (released set or our own output) has these fields. */
/** The bundled TRACE evaluation set (1,042 records): the default file of `iopo stats`, the demo and `iopo eval trace`. */
export const BUNDLED_TRACE_EVALUATION = bundledDataPath("trace", "2024_trace_evaluation.jsonl");

export const StatsRowSchema = z
  .looseObject({
    constraints_num: z.number().int().nonnegative().optional(),
    constraints_splits: z.array(z.string()).optional(),
    levels2: z.array(z.string()).optional(),
  })
  .refine((r) => r.constraints_num !== undefined || r.constraints_splits !== undefined, {
    message: "needs constraints_num or constraints_splits",
    path: ["constraints_num"],
  });
export type StatsRow = z.infer<typeof StatsRowSchema>;

export interface TraceStats {
  file?: string;
  n: number;
  constraints_total: number;
  constraints_min: number;
  constraints_max: number;
  /** Mean constraints per instruction, rounded to 2 decimals as in the paper's Table 1. */
  constraints_avg: number;
  /** Unrounded mean. */
  constraints_avg_exact: number;
  /** Instructions per number of constraints ("1" -> 200, ...). */
  by_constraints_num: Record<string, number>;
  /** Constraints per dimension, keyed by the paper's English name ("Unknown" for labels outside the 26). */
  by_dimension: Record<string, number>;
  /** Share of labelled constraints per dimension, in percent (2 decimals). */
  by_dimension_share: Record<string, number>;
  /** Constraints per raw `levels2` label, exactly as written in the file. */
  by_label: Record<string, number>;
  by_type: Record<string, number>;
  by_type_share: Record<string, number>;
  /** Constraints that carry a levels2 label (the denominator of the shares). */
  labelled_constraints: number;
  /**
   * What has no dimension label: constraints without a (non-empty) `levels2` entry, the rows they are in, rows with
   * no `levels2` at all, and rows whose `levels2` has more entries than the row has constraints. The per-dimension
   * counts sum to `labelled_constraints`; these say how far that is from `constraints_total`.
   */
  unlabelled: {
    constraints: number;
    rows: number;
    rows_without_levels2: number;
    rows_with_extra_labels: number;
  };
  /** Labels outside the 26 dimensions -> occurrences. */
  unknown_labels: Record<string, number>;
  /** IF-S: single-constraint instructions; IF-M: two or more. */
  splits: { "IF-S": number; "IF-M": number };
}

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((10000 * part) / whole) / 100);

export function computeStats(rows: readonly StatsRow[]): TraceStats {
  const resolver = new LabelResolver();
  const byNum = new Map<number, number>();
  const byDim = new Map<string, number>();
  const byLabel = new Map<string, number>();
  const byType = new Map<string, number>();
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let labelled = 0;
  let single = 0;
  const unlabelled = { constraints: 0, rows: 0, rows_without_levels2: 0, rows_with_extra_labels: 0 };
  for (const row of rows) {
    const k = row.constraints_num ?? row.constraints_splits?.length ?? 0;
    total += k;
    min = Math.min(min, k);
    max = Math.max(max, k);
    byNum.set(k, (byNum.get(k) ?? 0) + 1);
    if (k === 1) single++;
    const labels = row.levels2 ?? [];
    // An empty label ("") is no label: a structurer tag that was not recognised leaves one behind.
    const named = labels.filter((l) => l.trim() !== "").length;
    if (labels.length === 0 && k > 0) unlabelled.rows_without_levels2++;
    if (labels.length > k) unlabelled.rows_with_extra_labels++;
    if (named < k) {
      unlabelled.rows++;
      unlabelled.constraints += k - named;
    }
    for (const label of labels) {
      if (label.trim() === "") continue;
      labelled++;
      byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
      const d = resolver.resolve(label);
      byDim.set(d.name, (byDim.get(d.name) ?? 0) + 1);
      byType.set(d.type, (byType.get(d.type) ?? 0) + 1);
    }
  }
  const n = rows.length;
  // Dimensions in taxonomy order (every dimension listed, zero when absent), then Unknown if any.
  const dimNames = [...DIMENSIONS.map((d) => d.name), ...(byDim.has(UNKNOWN_DIMENSION.name) ? ["Unknown"] : [])];
  const typeNames = [...CONSTRAINT_TYPES.map((t) => t.name as string), ...(byType.has("Unknown") ? ["Unknown"] : [])];
  const avg = n === 0 ? 0 : total / n;
  return {
    n,
    constraints_total: total,
    constraints_min: n === 0 ? 0 : min,
    constraints_max: max,
    constraints_avg: Math.round(avg * 100) / 100,
    constraints_avg_exact: avg,
    by_constraints_num: Object.fromEntries(
      [...byNum.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
    ),
    by_dimension: Object.fromEntries(dimNames.map((d) => [d, byDim.get(d) ?? 0])),
    by_dimension_share: Object.fromEntries(dimNames.map((d) => [d, pct(byDim.get(d) ?? 0, labelled)])),
    by_label: Object.fromEntries(byLabel),
    by_type: Object.fromEntries(typeNames.map((t) => [t, byType.get(t) ?? 0])),
    by_type_share: Object.fromEntries(typeNames.map((t) => [t, pct(byType.get(t) ?? 0, labelled)])),
    labelled_constraints: labelled,
    unlabelled,
    unknown_labels: Object.fromEntries(resolver.unknown),
    splits: { "IF-S": single, "IF-M": n - single },
  };
}

/** Read a TRACE JSONL file (file:line:field errors) and compute its statistics. */
export function statsOfFile(file: string): TraceStats {
  const rows = readJsonl(file, StatsRowSchema).map((r) => r.value);
  return { file, ...computeStats(rows) };
}

/**
 * Warnings about constraints without a dimension label (the shares below are then over the labelled ones only), for
 * the report and for stderr.
 */
export function unlabelledWarnings(s: TraceStats): string[] {
  const u = s.unlabelled;
  const lines: string[] = [];
  if (u.constraints > 0)
    lines.push(
      `warning: ${u.constraints} of ${s.constraints_total} constraints (in ${u.rows} rows) have no levels2 label ` +
        `(${u.rows_without_levels2} rows have no levels2 at all); the dimension shares are over the ` +
        `${s.labelled_constraints} labelled constraints`,
    );
  if (u.rows_with_extra_labels > 0)
    lines.push(`warning: ${u.rows_with_extra_labels} rows have more levels2 labels than constraints`);
  return lines;
}

/** Human-readable tables (Table 1: size and constraints; Table 2: by number; then by type and dimension). */
export function formatStats(s: TraceStats): string {
  const out: string[] = [];
  if (s.file) out.push(`TRACE statistics: ${s.file}`, "");
  out.push(
    `instructions          ${s.n}`,
    `constraints (total)   ${s.constraints_total}`,
    `constraints min/max   ${s.constraints_min} / ${s.constraints_max}`,
    `constraints avg       ${s.constraints_avg.toFixed(2)}`,
    `IF-S (1 constraint)   ${s.splits["IF-S"]}`,
    `IF-M (>= 2)           ${s.splits["IF-M"]}`,
    "",
    "instructions by number of constraints",
  );
  const nums = Object.keys(s.by_constraints_num);
  out.push(`  #constraints  ${nums.map((k) => k.padStart(5)).join("")}`);
  out.push(`  #instructions ${nums.map((k) => String(s.by_constraints_num[k]).padStart(5)).join("")}`);
  const u = s.unlabelled;
  if (s.labelled_constraints === 0) {
    out.push("", "no `levels2` labels in this file: no breakdown by constraint type or dimension");
    return `${out.join("\n")}\n`;
  }
  if (u.constraints > 0 || u.rows_with_extra_labels > 0) out.push("", ...unlabelledWarnings(s));
  out.push("", `constraints by type (${s.labelled_constraints} labelled)`);
  for (const [t, c] of Object.entries(s.by_type)) {
    out.push(`  ${t.padEnd(12)} ${String(c).padStart(6)}  ${s.by_type_share[t].toFixed(1).padStart(5)}%`);
  }
  out.push("", "constraints by dimension");
  const typeOf = new Map(DIMENSIONS.map((d) => [d.name, `${d.type} / ${d.label}`]));
  for (const [d, c] of Object.entries(s.by_dimension)) {
    const where = typeOf.get(d) ?? "labels outside the 26 dimensions";
    out.push(
      `  ${d.padEnd(48)} ${String(c).padStart(6)}  ${s.by_dimension_share[d].toFixed(1).padStart(5)}%  ${where}`,
    );
  }
  const unknown = Object.entries(s.unknown_labels);
  if (unknown.length) {
    out.push("", `warning: ${unknown.length} label(s) outside the 26 dimensions counted as Unknown:`);
    for (const [l, c] of unknown) out.push(`  ${JSON.stringify(l)} x ${c}`);
  }
  return `${out.join("\n")}\n`;
}
