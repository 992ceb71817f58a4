import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { writeFileAtomic } from "../util/atomic.js";
import { assembleReport } from "./assemble.js";
import type { ReportData } from "./model.js";
import { reportPage } from "./page.js";
import { PAGE_CSS } from "./page-style.js";

/**
 * The report as ONE self-contained HTML file: uPlot (bundled from node_modules, MIT) and the page script inline,
 * the styles inline, the data embedded where no string in it can end its script block, and a Content Security
 * Policy that allows exactly that script and that style (by hash) and nothing else: no network, no other script,
 * no inline event handler. Opens offline, e.g. from an e-mail attachment.
 */

const require = createRequire(import.meta.url);

/** Above this many bytes of JSON the data is embedded gzip-compressed (base64), and inflated by the browser. */
export const COMPRESS_ABOVE = 1_000_000;

/** The bundled charting library: uPlot's minified browser build and its stylesheet. */
export function chartLibrary(): { script: string; css: string; version: string } {
  const license = readFileSync(require.resolve("uplot/LICENSE"), "utf8").trim().replaceAll("*/", "* /");
  const code = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const css = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const pkg = JSON.parse(readFileSync(require.resolve("uplot/package.json"), "utf8")) as { version: string };
  // The MIT license asks that its notice travel with every copy, so each page carries it.
  return {
    script: `/*! uPlot ${pkg.version}, bundled into this page:\n${license}\n*/\n${code}`,
    css,
    version: pkg.version,
  };
}

/**
 * JSON that is safe inside a `<script type="application/json">` element: `<`, `>` and `&` are escaped (so no
 * `</script>` or `<!--` can appear), as are U+2028/U+2029; lone surrogates are escaped by JSON.stringify itself.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** Code that must never sit inside an inline script: it would end the block or switch the parser's state. */
function assertInlineSafe(what: string, text: string): void {
  for (const bad of ["</script", "<!--", "<script"])
    if (text.toLowerCase().includes(bad)) throw new Error(`${what} contains "${bad}" and cannot be inlined`);
}

export function renderReportHtml(data: ReportData, options: { compressAbove?: number } = {}): string {
  const lib = chartLibrary();
  const app = `(${reportPage.toString()})();`;
  // Run from TypeScript sources (tsx), the function's source calls esbuild's `__name` helper: define it as a no-op.
  const script = `${lib.script}\n;var __name = function (f) { return f; };\n${app}`;
  assertInlineSafe("the page script", script);
  const style = `${lib.css}\n${PAGE_CSS}`;
  assertInlineSafe("the page style", style);
  const json = embedJson(data);
  const limit = options.compressAbove ?? COMPRESS_ABOVE;
  const dataBlock =
    json.length > limit
      ? `<script type="application/octet-stream" id="report-data-gz">${gzipSync(Buffer.from(json, "utf8"), { level: 6 }).toString("base64")}</script>`
      : `<script type="application/json" id="report-data">${json}</script>`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    "<title>iopo report</title>",
    `<style>${style}</style>`,
    "</head>",
    "<body>",
    '<div id="app"><p class="loading">Loading the report…</p></div>',
    "<noscript><p>This report draws its tables and charts with JavaScript; please allow scripts for this file.</p></noscript>",
    dataBlock,
    `<script>${script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * `iopo report`: read the run folders, write the page to `outFile` (atomically) and return its absolute path.
 * `iopo demo` and `iopo experiment` call this at the end of a run.
 */
export function writeReport(runDirs: readonly string[], outFile: string, options: { title?: string } = {}): string {
  const data = assembleReport(runDirs, options);
  const path = resolve(outFile);
  writeFileAtomic(path, renderReportHtml(data));
  return path;
}
