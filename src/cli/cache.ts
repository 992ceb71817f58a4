import { existsSync } from "node:fs";
import type { Command } from "commander";
import { defaultCachePath, ResponseCache } from "../llm/response-cache.js";

/** `iopo cache stats|clear`: inspect or empty the LLM response cache. */
export function register(program: Command): void {
  const cache = program
    .command("cache")
    .description("Inspect or clear the LLM response cache (SQLite; reruns are served from it)");

  cache
    .command("stats")
    .description("Show entries, size and token totals of the response cache, by model and stage")
    .option("--cache <path>", "cache file (default: $IOPO_CACHE, else .iopo-cache/llm.sqlite in the working directory)")
    .option("--json", "print a JSON object instead of text")
    .action((opts: { cache?: string; json?: boolean }) => {
      process.stdout.write(cacheStatsText(opts.cache ?? defaultCachePath(), opts.json ?? false));
    });

  cache
    .command("clear")
    .description("Delete cached responses (all, or one model's) and compact the file")
    .option("--cache <path>", "cache file (default: $IOPO_CACHE, else .iopo-cache/llm.sqlite in the working directory)")
    .option("--model <name>", "only delete the entries of this model")
    .action((opts: { cache?: string; model?: string }) => {
      process.stdout.write(cacheClearText(opts.cache ?? defaultCachePath(), opts.model));
    });
}

/** The text (or JSON) printed by `iopo cache stats`. */
export function cacheStatsText(path: string, json: boolean): string {
  if (!existsSync(path)) {
    return json ? `${JSON.stringify({ path, entries: 0, exists: false })}\n` : `no cache at ${path} (0 entries)\n`;
  }
  const cache = new ResponseCache(path, { readonly: true });
  try {
    const s = cache.stats();
    if (json) return `${JSON.stringify({ ...s, exists: true }, null, 2)}\n`;
    const lines = [
      `cache: ${s.path}`,
      `entries: ${s.entries}  size: ${formatBytes(s.file_bytes)}  tokens: ${s.prompt_tokens} prompt + ${s.completion_tokens} completion`,
    ];
    if (s.oldest) lines.push(`written: ${s.oldest} .. ${s.newest}`);
    if (s.by_model.length > 0) {
      lines.push("by model:");
      for (const m of s.by_model) {
        lines.push(
          `  ${m.model}  ${m.endpoint}  ${m.entries} entries, ${m.prompt_tokens} + ${m.completion_tokens} tokens`,
        );
      }
    }
    if (s.by_stage.length > 0) {
      lines.push("by stage:");
      for (const st of s.by_stage) lines.push(`  ${st.stage}  ${st.entries}`);
    }
    return `${lines.join("\n")}\n`;
  } finally {
    cache.close();
  }
}

/** The text printed by `iopo cache clear`. */
export function cacheClearText(path: string, model?: string): string {
  if (!existsSync(path)) return `no cache at ${path}; nothing to clear\n`;
  const cache = new ResponseCache(path);
  try {
    const removed = cache.clear(model === undefined ? {} : { model });
    return `removed ${removed} entr${removed === 1 ? "y" : "ies"}${model ? ` of model ${model}` : ""} from ${path}\n`;
  } finally {
    cache.close();
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
