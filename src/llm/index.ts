/**
 * `iopo/llm`: the `ChatModel` interface and the OpenAI-compatible client stack behind every command that calls a
 * model (docs/design.md, section 3): usage ledger -> SQLite response cache -> budget guard -> scheduler (concurrency,
 * retries, Retry-After) -> HTTP client; prices and costs; dry runs; prompt templates with `{{slots}}`.
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 *
 * const model = createChatModel({ model: "qwen2-7b-instruct", baseUrl: "http://127.0.0.1:8000/v1", concurrency: 4 });
 * try {
 *   const reply = await model.chat({ messages: [{ role: "user", content: "Name three colours." }], temperature: 0 });
 *   console.log(reply.text, reply.usage, model.stats().usage);
 * } finally {
 *   model.close(); // closes the response cache file
 * }
 */
export * from "./budget.js";
export * from "./create-chat-model.js";
export * from "./dry-run-chat-model.js";
export * from "./errors.js";
export * from "./openai-chat-model.js";
export * from "./prices.js";
export * from "./prompt-template.js";
export * from "./request-body.js";
export * from "./response-cache.js";
export * from "./retry-policy.js";
export * from "./scheduler.js";
export * from "./semaphore.js";
export type * from "./types.js";
export * from "./usage.js";
