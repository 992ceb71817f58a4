import type { PromptLang } from "../taxonomy/render.js";

/**
 * The prompt language for a run's inputs (`--lang auto`): Chinese when CJK characters outnumber a third of the
 * Latin letters in the first 200 rows (TRACE data is Chinese), else English.
 */
export function detectLang(rows: readonly unknown[]): PromptLang {
  let cjk = 0;
  let latin = 0;
  for (const r of rows.slice(0, 200)) {
    const text = JSON.stringify(r);
    cjk += (text.match(/[\u4e00-\u9fff]/g) ?? []).length;
    latin += (text.match(/[A-Za-z]/g) ?? []).length;
  }
  return cjk > latin / 3 ? "zh" : "en";
}
