/**
 * `iopo/experiment`: the contract of a whole experiment's `results.json` (every method x seed x metric, mean and
 * spread over seeds, breakdowns, phase timings), versioned by `RESULTS_SCHEMA`.
 *
 * @example
 * import { readFileSync } from "node:fs";
 * import { type ExperimentResults, RESULTS_SCHEMA } from "iopo/experiment";
 *
 * const results = JSON.parse(readFileSync("runs/demo/results.json", "utf8")) as ExperimentResults;
 * if (results.schema !== RESULTS_SCHEMA) throw new Error(`unexpected schema ${results.schema}`);
 * console.log(results.summary.iopo?.if_m?.mean); // IOPO's mean IF-M over seeds, in percent
 */
export * from "./results.js";
