/**
 * `iopo/eval/cfbench`: CFBench (Zhang et al. 2024) with upstream's judge prompt, its strict parse and fallback (or
 * a tolerant parse), re-asks, and its CSR / ISR / PSR metrics over the easy, hard and all splits, plus a breakdown
 * by constraint type and priority. The benchmark file is not bundled (no upstream license): pass its path.
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { formatCfbenchTable, readCfbenchData, readCfbenchResponses, runCfbench, scoreCfbenchItem } from "iopo/eval/cfbench";
 *
 * console.log(scoreCfbenchItem([1, 0, 1], ["主需", "次需", "次需"], "1")); // { CSR: 0.67, ISR: 0, PSR: 0 }
 * const judge = createChatModel({ model: "gpt-4o-2024-05-13" });
 * const result = await runCfbench({
 *   records: readCfbenchData("cfbench_data.json"),
 *   responses: readCfbenchResponses("my-model_infer.json"),
 *   judge: { model: judge, temperature: 0.01 },
 *   parseMode: "upstream-exact",
 *   rounds: 10,
 *   concurrency: 8,
 * });
 * console.log(formatCfbenchTable(result.scores));
 * judge.close();
 */
export {
  CFBENCH_JUDGE_TEMPLATE,
  CFBENCH_JUDGE_TEMPLATE_HASH,
  renderCfbenchJudgePrompt,
} from "./judge-prompt.js";
export {
  aggregateScores as aggregateCfbenchScores,
  type CfbenchScores,
  type ItemMetric,
  type JudgeParsing,
  scoreItem as scoreCfbenchItem,
} from "./metrics.js";
export { writeCfbenchOutputs } from "./outputs.js";
export {
  CfbenchCriterionSchema,
  type CfbenchRecord,
  CfbenchRecordSchema,
  readCfbenchData,
  readCfbenchResponses,
} from "./record.js";
export {
  type CfbenchItemResult,
  type CfbenchJudgeSettings,
  type CfbenchParseMode,
  type CfbenchRunOptions,
  type CfbenchRunResult,
  type CriteriaBreakdown,
  criteriaBreakdown,
  formatCfbenchTable,
  generateCfbenchResponses,
  runCfbench,
} from "./run.js";
