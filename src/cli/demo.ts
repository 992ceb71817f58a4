import { join, resolve } from "node:path";
import type { Command } from "commander";
import { formatStats, statsOfFile } from "../trace/stats.js";
import { bundledDataPath } from "../util/paths.js";
import { defaultTraceFile } from "./stats.js";
import { runTraceCommand } from "./trace.js";

/**
 * `iopo demo`: the offline default job, runnable right after `npm install` with no network and no model.
 * Until the offline constraint world exists it shows what runs without an endpoint: the statistics of the
 * bundled TRACE evaluation set (paper Tables 1/2) and a dry run of the construction pipeline on bundled seeds,
 * which renders every expansion prompt into the run folder and estimates the chain's tokens.
 */
export function register(program: Command): void {
  program
    .command("demo")
    .description("Offline demo: TRACE evaluation-set statistics and a dry run of the TRACE construction pipeline")
    .option("--output-dir <dir>", "run folder for the rendered prompts", join("runs", "demo"))
    .action(async (opts: { outputDir: string }) => {
      const out = resolve(opts.outputDir);
      const w = (s: string) => process.stdout.write(s);
      w("== 1. The bundled TRACE evaluation set (paper Tables 1 and 2) ==\n\n");
      w(formatStats(statsOfFile(defaultTraceFile())));
      const seeds = bundledDataPath("seeds", "example_seeds.jsonl");
      w(`\n== 2. Dry run of the TRACE construction pipeline on ${seeds} ==\n`);
      w("(costs priced as if gpt-4o-mini built the data and gpt-4o judged it; no endpoint is called)\n\n");
      for (const lang of ["en", "zh"] as const) {
        await runTraceCommand("build", {
          input: seeds,
          outputDir: join(out, `build-${lang}`),
          model: "gpt-4o-mini",
          judgeModel: "gpt-4o",
          concurrency: 1,
          lang,
          seed: 42,
          parseRetries: 0,
          dryRun: true,
          cache: true,
          minConstraints: 2,
          maxConstraints: 6,
          progress: "none",
        });
        w("\n");
      }
      w(
        "Next: run the real chain against any OpenAI-compatible endpoint (vLLM, Ollama, OpenAI...):\n" +
          `  OPENAI_API_KEY=... iopo trace build --input ${seeds} --output-dir runs/trace \\\n` +
          "      --base-url http://localhost:8000/v1 --model Qwen2-72B-Instruct --judge-model gpt-4o\n",
      );
    });
}
