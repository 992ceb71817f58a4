import type { Command } from "commander";
import { cacheClearText, cacheStatsText } from "../llm/cache-report.js";
import { defaultCachePath } from "../llm/response-cache.js";

/** `iopo cache stats|clear`: inspect or empty the LLM response cache. */
export function register(program: Command): void {
  const cache = program
    .command("cache")
    .description("Inspect or clear the LLM response cache (SQLite; reruns are served from it)");

  cache
    .command("stats")
    .description("Show entries, size and token totals of the response cache, by model and stage")
    .option(
      "--cache <path>",
      "cache file (default: $IOPO_CACHE, else $IOPO_CACHE_DIR/llm.sqlite, else .iopo-cache/llm.sqlite)",
    )
    .option("--json", "print a JSON object instead of text")
    .action((opts: { cache?: string; json?: boolean }) => {
      process.stdout.write(cacheStatsText(opts.cache ?? defaultCachePath(), opts.json ?? false));
    });

  cache
    .command("clear")
    .description("Delete cached responses (all, or one model's) and compact the file")
    .option(
      "--cache <path>",
      "cache file (default: $IOPO_CACHE, else $IOPO_CACHE_DIR/llm.sqlite, else .iopo-cache/llm.sqlite)",
    )
    .option("--model <name>", "only delete the entries of this model")
    .action((opts: { cache?: string; model?: string }) => {
      process.stdout.write(cacheClearText(opts.cache ?? defaultCachePath(), opts.model));
    });
}
