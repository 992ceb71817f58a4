import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import type { ComplexbenchRunResult } from "./run.js";

/**
 * Write a ComplexBench run into `outDir`: complexbench_results.json (per record and question) and
 * complexbench_metrics.json (DRFR breakdowns, the run summary, then `provenance`: files, pairing, LLM counters).
 * Returns the metrics file.
 */
export function writeComplexbenchOutputs(
  outDir: string,
  result: ComplexbenchRunResult,
  provenance: Record<string, unknown>,
): string {
  writeFileAtomic(join(outDir, "complexbench_results.json"), `${JSON.stringify(result.records, null, 2)}\n`);
  const file = join(outDir, "complexbench_metrics.json");
  writeFileAtomic(file, `${JSON.stringify({ ...result.metrics, ...result.summary, ...provenance }, null, 2)}\n`);
  return file;
}
