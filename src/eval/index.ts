/**
 * `iopo/eval`: the four evaluations, one namespace each (their names overlap, so each is also its own entry:
 * `iopo/eval/ifeval`, `iopo/eval/trace`, `iopo/eval/cfbench`, `iopo/eval/complexbench`).
 *
 * @example
 * import { cfbench, ifeval } from "iopo/eval";
 *
 * const check = ifeval.buildInstruction("change_case:english_lowercase", {});
 * console.log(check.check("all lower case"), check.check("Not Lower")); // true false
 * console.log(cfbench.scoreCfbenchItem([1, 1], ["主需", "次需"], "1")); // { CSR: 1, ISR: 1, PSR: 1 }
 */
export * as cfbench from "./cfbench/index.js";
export * as complexbench from "./complexbench/index.js";
export * as ifeval from "./ifeval/index.js";
export * as trace from "./trace/index.js";
