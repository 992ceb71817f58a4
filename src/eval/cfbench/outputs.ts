import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import type { CfbenchRunResult } from "./run.js";

/**
 * Write a CFBench run into `outDir`: cfbench_results.json (per item and checkpoint) and cfbench_metrics.json
 * (CSR/ISR/PSR, the run summary, criteria_breakdown, then `provenance`: models, files, LLM counters). Returns the
 * metrics file.
 */
export function writeCfbenchOutputs(
  outDir: string,
  result: CfbenchRunResult,
  provenance: Record<string, unknown>,
): string {
  writeFileAtomic(join(outDir, "cfbench_results.json"), `${JSON.stringify(result.items, null, 2)}\n`);
  const metrics = { ...result.scores, ...result.summary, criteria_breakdown: result.breakdown, ...provenance };
  const file = join(outDir, "cfbench_metrics.json");
  writeFileAtomic(file, `${JSON.stringify(metrics, null, 2)}\n`);
  return file;
}
