// Public library API. Each area re-exports its typed entry points here.
export * from "./data/errors.js";
export * from "./data/instruction.js";
export * from "./data/jsonl.js";
export * from "./data/schemas.js";
export * from "./llm/budget.js";
export * from "./llm/create-chat-model.js";
export * from "./llm/dry-run-chat-model.js";
export * from "./llm/errors.js";
export * from "./llm/openai-chat-model.js";
export * from "./llm/prices.js";
export * from "./llm/request-body.js";
export * from "./llm/response-cache.js";
export * from "./llm/retry-policy.js";
export * from "./llm/scheduler.js";
export * from "./llm/semaphore.js";
export type * from "./llm/types.js";
export * from "./llm/usage.js";
