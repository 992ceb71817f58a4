import { join } from "node:path";
import { writeJsonl } from "../../data/jsonl.js";
import type { TraceRecord } from "../../data/schemas.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { hybridDisagreements } from "./metrics.js";
import type { TraceRunResult } from "./run.js";

/**
 * Write a TRACE evaluation into `outDir`: results.jsonl (per record), hybrid_disagreements.jsonl (constraints where
 * a rule check and the judge disagree) and metrics.json (IF / IF-S / IF-M, then the run's provenance extended with
 * `provenance`: files, LLM counters). Returns the metrics file.
 */
export function writeTraceOutputs(
  outDir: string,
  records: readonly TraceRecord[],
  result: TraceRunResult,
  provenance: Record<string, unknown>,
): string {
  writeJsonl(join(outDir, "results.jsonl"), result.items);
  const byId = new Map(records.map((r) => [r.id, r.constraints_splits]));
  writeJsonl(
    join(outDir, "hybrid_disagreements.jsonl"),
    hybridDisagreements(result.items.map((i) => ({ ...i, constraints: byId.get(i.id) }))),
  );
  const metrics = { ...result.metrics, provenance: { ...result.provenance, ...provenance } };
  const file = join(outDir, "metrics.json");
  writeFileAtomic(file, `${JSON.stringify(metrics, null, 2)}\n`);
  return file;
}
