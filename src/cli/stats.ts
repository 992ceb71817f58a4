import type { Command } from "commander";
import { BUNDLED_TRACE_EVALUATION, formatStats, statsOfFile, unlabelledWarnings } from "../trace/stats.js";

/** `iopo stats [FILE] [--json]`: the paper's Table 1/2 figures for any TRACE file. */
export function register(program: Command): void {
  program
    .command("stats")
    .description(
      "Print the paper's Table 1/2 statistics (counts, constraints per item, dimension shares) of a TRACE file",
    )
    .argument("[file]", "TRACE JSONL file (default: the bundled 2024_trace_evaluation.jsonl)")
    .option("--json", "print one machine-readable JSON object instead of tables")
    .action((file: string | undefined, opts: { json?: boolean }) => {
      const stats = statsOfFile(file ?? BUNDLED_TRACE_EVALUATION);
      process.stdout.write(opts.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats));
      // The table shows them too; with --json (stdout is data) stderr is where a reader sees them.
      if (opts.json) for (const w of unlabelledWarnings(stats)) process.stderr.write(`iopo stats: ${w}\n`);
      for (const [label, n] of Object.entries(stats.unknown_labels)) {
        process.stderr.write(`iopo stats: warning: unknown constraint label ${JSON.stringify(label)} x ${n}\n`);
      }
    });
}
