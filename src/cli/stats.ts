import type { Command } from "commander";
import {
  CountSpecError,
  compareCounts,
  countsOf,
  formatCountComparison,
  loadCountDistribution,
} from "../trace/constraint-counts.js";
import { BUNDLED_TRACE_EVALUATION, formatStats, statsOfFile, unlabelledWarnings } from "../trace/stats.js";
import { UsageError } from "./options.js";

/** `iopo stats [FILE] [--json] [--compare SPEC]`: the paper's Table 1/2 figures for any TRACE file. */
export function register(program: Command): void {
  program
    .command("stats")
    .description(
      "Print the paper's Table 1/2 statistics (counts, constraints per item, dimension shares) of a TRACE file",
    )
    .argument("[file]", "TRACE JSONL file (default: the bundled 2024_trace_evaluation.jsonl)")
    .option("--json", "print one machine-readable JSON object instead of tables")
    .option(
      "--compare <spec>",
      "compare the constraints per instruction with a distribution: paper-train or paper-eval (Table 2), " +
        "uniform:MIN-MAX, or a JSON/JSONL file (per-count shares side by side, means, total variation distance)",
    )
    .action((file: string | undefined, opts: { json?: boolean; compare?: string }) => {
      let reference: ReturnType<typeof loadCountDistribution> | undefined;
      try {
        reference = opts.compare === undefined ? undefined : loadCountDistribution(opts.compare);
      } catch (err) {
        if (err instanceof CountSpecError) throw new UsageError(`--compare: ${err.message}`);
        throw err;
      }
      const path = file ?? BUNDLED_TRACE_EVALUATION;
      const stats = statsOfFile(path);
      const comparison = reference && compareCounts(countsOf("this file", stats.by_constraints_num), reference);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(comparison ? { ...stats, compare: comparison } : stats, null, 2)}\n`);
        // The table shows them too; with --json (stdout is data) stderr is where a reader sees them.
        for (const w of unlabelledWarnings(stats)) process.stderr.write(`iopo stats: ${w}\n`);
      } else {
        process.stdout.write(formatStats(stats));
        if (comparison) process.stdout.write(`\n${formatCountComparison(comparison).join("\n")}\n`);
      }
      for (const [label, n] of Object.entries(stats.unknown_labels)) {
        process.stderr.write(`iopo stats: warning: unknown constraint label ${JSON.stringify(label)} x ${n}\n`);
      }
    });
}
