// Public library API. Each area re-exports its typed entry points here.
export * from "./data/errors.js";
export * from "./data/instruction.js";
export * from "./data/jsonl.js";
export * from "./data/schemas.js";
export type * from "./llm/types.js";
