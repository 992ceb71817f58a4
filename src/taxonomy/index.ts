/**
 * `iopo/taxonomy`: the paper's 5 constraint types and 26 dimensions (Content, Situation, Style, Format, Example),
 * with their English names, the Chinese `levels2` labels of the released TRACE set, lookups by name or label, and
 * the numbered rendering the constraint-expansion prompt shows the model.
 *
 * @example
 * import { CONSTRAINT_TYPES, DIMENSIONS, findDimension, renderTaxonomy } from "iopo/taxonomy";
 *
 * console.log(CONSTRAINT_TYPES.length, DIMENSIONS.length); // 5 26
 * const d = findDimension("Numerical"); // by English name or by its TRACE `levels2` label
 * console.log(d?.type, d?.label); // Content 数值约束
 * console.log(renderTaxonomy("en"));
 */
export * from "./dimensions.js";
export * from "./lookup.js";
export * from "./render.js";
