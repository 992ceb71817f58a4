/**
 * `iopo/trace`: the TRACE data engine (paper section 4.1, appendix B): the construction stages expand -> structure
 * -> filter (completeness, redundancy) -> respond -> judge, `buildTrace` chaining them over seed instructions into a
 * run folder (trace.jsonl, rejects, summary, resumable journals), single-stage jobs, and the Table 1/2 statistics of
 * any TRACE file (the bundled 1,042-record evaluation set by default).
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { BUNDLED_TRACE_EVALUATION, buildTrace, formatStats, statsOfFile } from "iopo/trace";
 *
 * console.log(formatStats(statsOfFile(BUNDLED_TRACE_EVALUATION))); // 1,042 items, 4.88 constraints on average
 * const model = createChatModel({ model: "qwen2-72b-instruct", baseUrl: "http://127.0.0.1:8000/v1" });
 * const summary = await buildTrace([{ id: "s1", instruction: "Write a short poem about the sea." }], {
 *   outputDir: "runs/trace", // trace.jsonl, rejects.jsonl, summary.json, journal/
 *   model,
 *   ctx: { lang: "en", seed: 0 },
 * });
 * console.log(summary.rows_out, summary.rejected);
 * model.close();
 */
export * from "./expand.js";
export * from "./filter.js";
export * from "./job.js";
export * from "./judge.js";
export { detectLang } from "./lang.js";
export * from "./pipeline.js";
export * from "./respond.js";
export * from "./stats.js";
export * from "./structure.js";
