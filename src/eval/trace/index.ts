/**
 * `iopo/eval/trace`: TRACE IF-S / IF-M (paper eq. 3): responses generated or read by record id, judged with the
 * B.5 judge (re-asked when the reply does not parse), optionally cross-checked by the rule checks of the hybrid
 * judge; IF (every constraint scored 10), IF_overall (the released code's reading) and IF_hybrid, with breakdowns
 * by number of constraints, dimension and type.
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { BUNDLED_TRACE_EVALUATION } from "iopo/trace";
 * import { defaultJudgeKit, formatTraceTable, readTraceData, readTraceResponses, runTrace } from "iopo/eval/trace";
 *
 * const records = readTraceData(BUNDLED_TRACE_EVALUATION);
 * const judge = createChatModel({ model: "gpt-4o" }); // OPENAI_BASE_URL / OPENAI_API_KEY from the environment
 * const result = await runTrace({
 *   records,
 *   responses: readTraceResponses("responses.jsonl"), // {"id": ..., "response": ...} per line
 *   generation: { temperature: 0.1 },
 *   judge,
 *   judgeTemperature: 0,
 *   judgeTopP: 0.8,
 *   reask: 1,
 *   kit: defaultJudgeKit,
 *   rules: true,
 *   concurrency: 8,
 * });
 * console.log(formatTraceTable(result.metrics)); // IF-S, IF-M, IF over all items
 * judge.close();
 *
 * // Or the whole `iopo eval trace` in one call (select, generate, judge, write metrics.json), here offline:
 * // await evalTrace({ responsesFile: "responses.jsonl", offlineJudge: rulesJudge, outputDir: "runs/eval" });
 */
export { checkTraceContext, type TraceContextCheck } from "./context-check.js";
export { evalTrace, type TraceEvaluation, type TraceEvaluationOptions } from "./evaluate.js";
export {
  type DimensionInfo,
  defaultJudgeKit,
  type JudgeLang,
  type TraceJudgeInput,
  type TraceJudgeKit,
  type TraceJudgeParse,
} from "./judge-kit.js";
export {
  computeTraceMetrics,
  followedAllTen,
  followedHybrid,
  followedOverall,
  type HybridDisagreement,
  type HybridReport,
  hybridDisagreements,
  type Rate,
  type TraceItemForMetrics,
  type TraceMetrics,
} from "./metrics.js";
export { type OfflineTraceJudge, type OfflineVerdict, rulesJudge } from "./offline-judge.js";
export { writeTraceOutputs } from "./outputs.js";
export { readTraceData, readTraceResponses } from "./responses.js";
export {
  formatTraceTable,
  judgeLang,
  runTrace,
  type TraceItemResult,
  type TraceRunOptions,
  type TraceRunResult,
} from "./run.js";
export { selectTraceRecords, stratifiedSample, type TraceSelection } from "./select.js";
