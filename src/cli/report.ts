import type { Command } from "commander";
import { writeReport } from "../report/html.js";

/**
 * `iopo report RUN_DIR... -o report.html`: one self-contained HTML page (data, training curves, results, every
 * evaluated item) from run folders of any kind the project writes; see src/report/.
 */
export function register(program: Command): void {
  program
    .command("report")
    .description("Write one self-contained HTML page (data, training curves, results, items) for run folders")
    .argument(
      "<run_dir...>",
      "run folders: an iopo demo/experiment folder, trace build, pairs, train or eval output folders, a TRACE .jsonl file, or a folder holding them",
    )
    .option("-o, --output <file>", "the HTML file to write", "report.html")
    .option("--title <text>", "page title (default: the experiment's name, else 'iopo report')")
    .action((runDirs: string[], opts: { output: string; title?: string }) => {
      const path = writeReport(runDirs, opts.output, opts.title !== undefined ? { title: opts.title } : {});
      process.stdout.write(`wrote ${path}\n`);
    });
}
