/**
 * `iopo/report`: run folders (an experiment, `trace build`, `pairs`, `train` and `eval` output folders) to one
 * self-contained HTML page - data, training curves, results with their spread, and every evaluated item.
 *
 * @example
 * import { writeReport } from "iopo/report";
 *
 * const page = writeReport(["runs/demo"], "runs/demo/report.html");
 * console.log(`open ${page} in a browser`);
 */
export { assembleReport } from "./assemble.js";
export { renderReportHtml, writeReport } from "./html.js";
export type * from "./model.js";
