import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../data/errors.js";
import { readJsonl } from "../data/jsonl.js";
import { DIMENSIONS } from "../taxonomy/dimensions.js";
import { computeStats, StatsRowSchema, type TraceStats } from "../trace/stats.js";
import { readJson, readJsonObjects } from "./detect.js";
import type { DataSection, Funnel, FunnelStage, OperationMix } from "./model.js";

/**
 * Section 1 of the page: the Table 1/2 figures of TRACE files (src/trace/stats.ts), the stage funnels of
 * `trace build` and `pairs` runs (their summary.json: in, kept, rejected by reason per stage), and the operation mix
 * of IOPO groups.
 */
export function emptyDataSection(): DataSection {
  return {
    stats: [],
    dimension_types: Object.fromEntries(DIMENSIONS.map((d) => [d.name, d.type])),
    funnels: [],
    operations: [],
  };
}

/** Table 1/2 statistics of a TRACE JSONL file (any file with constraints_num or constraints_splits, and levels2). */
export function traceFileStats(file: string): TraceStats {
  return computeStats(readJsonl(file, StatsRowSchema).map((r) => r.value));
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The funnel of a `trace build` or `pairs` run from its summary.json (the stage runner's RunSummary). */
export function readFunnel(dir: string, label: string, job: string): Funnel {
  const file = join(dir, "summary.json");
  const s = readJson(file) as Record<string, unknown>;
  if (typeof s !== "object" || s === null || !Array.isArray(s.stages))
    throw new DataError(file, undefined, "stages", "expected the stage runner's summary (an array of stages)");
  const stages: FunnelStage[] = (s.stages as Record<string, unknown>[]).map((st, i) => {
    if (typeof st?.stage !== "string") throw new DataError(file, undefined, `stages[${i}].stage`, "expected a string");
    const reasons: Record<string, number> = {};
    if (typeof st.reasons === "object" && st.reasons !== null)
      for (const [k, v] of Object.entries(st.reasons)) reasons[k] = num(v);
    return {
      stage: st.stage,
      rows_in: num(st.rows_in),
      rows_out: num(st.rows_out),
      rejected: num(st.rejected),
      parse_failures: num(st.parse_failures),
      call_failures: num(st.call_failures),
      reasons,
    };
  });
  return {
    label,
    source: dir,
    job,
    rows_in: num(s.rows_in),
    rows_out: num(s.rows_out),
    rejected: num(s.rejected),
    parse_failures: num(s.parse_failures),
    call_failures: num(s.call_failures),
    calls: num(s.calls),
    prompt_tokens: num(s.prompt_tokens),
    completion_tokens: num(s.completion_tokens),
    stages,
  };
}

/**
 * The operation mix of kept IOPO groups: the `operation_*` counts `pairs iopo` writes into summary.json, or, when
 * the summary has none, a count of the `operation` field over iopo_groups.jsonl.
 */
export function readOperationMix(dir: string, label: string): OperationMix {
  const summary = readJson(join(dir, "summary.json")) as Record<string, unknown>;
  const fromSummary = Object.entries(summary ?? {}).filter(([k]) => k.startsWith("operation_"));
  if (fromSummary.length > 0)
    return {
      label,
      source: dir,
      mix: Object.fromEntries(fromSummary.map(([k, v]) => [k.slice("operation_".length), num(v)])),
      from: "summary",
    };
  const mix: Record<string, number> = { add: 0, delete: 0, revise: 0 };
  const groups = join(dir, "iopo_groups.jsonl");
  if (existsSync(groups))
    for (const g of readJsonObjects(groups)) {
      const op = typeof g.operation === "string" ? g.operation : "unknown";
      mix[op] = (mix[op] ?? 0) + 1;
    }
  return { label, source: dir, mix, from: "groups" };
}
