export * from "./dimensions.js";
export * from "./lookup.js";
export * from "./render.js";
