import { existsSync } from "node:fs";
import { ResponseCache } from "./response-cache.js";

/** What `iopo cache stats` prints: entries, size and token totals of a response cache file, by model and stage (or JSON). */
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

/** Delete a cache file's entries (all, or one model's) and compact it; returns what `iopo cache clear` prints. */
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
