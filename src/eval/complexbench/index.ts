/**
 * `iopo/eval/complexbench`: ComplexBench (Wen et al. 2024): every scoring question judged by the LLM judge with
 * upstream's prompt or, for rule questions, by extraction plus upstream's rule functions; dependencies between
 * questions applied; DRFR overall, per constraint type, composition type and dimension. The benchmark file is not
 * bundled: pass its path and a generations file (`{main_id, generated}` per line).
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { formatComplexbenchTable, readComplexbenchData, readComplexbenchResponses, runComplexbench } from "iopo/eval/complexbench";
 *
 * const records = readComplexbenchData("complexbench_v1.json");
 * const judge = createChatModel({ model: "gpt-4-1106-preview" });
 * const result = await runComplexbench({
 *   records,
 *   responses: readComplexbenchResponses("generations.jsonl", records, "main_id"),
 *   judge,
 *   temperature: 0,
 *   parseMode: "upstream-exact",
 *   language: "zh",
 *   reask: 2,
 *   concurrency: 8,
 * });
 * console.log(formatComplexbenchTable(result.metrics), result.metrics.overall_drfr);
 * judge.close();
 */
export {
  aggregateComplexbench,
  applyDependencies,
  type ComplexbenchMetrics,
  constraintType,
  type PointVerdict,
  type ScoredRecord,
} from "./aggregate.js";
export { decomposeJudge as complexbenchRuleVerdict, type RuleVerdict } from "./con-rule.js";
export { type ComplexbenchGenerationOptions, generateComplexbenchResponses } from "./generate.js";
export {
  COMPLEXBENCH_JUDGE_TEMPLATE,
  COMPLEXBENCH_JUDGE_TEMPLATE_HASH,
  renderComplexbenchJudgePrompt,
} from "./judge-prompt.js";
export { writeComplexbenchOutputs } from "./outputs.js";
export { type ComplexbenchParseMode, type ComplexbenchVerdict, parseComplexbenchJudge } from "./parse-judge.js";
export {
  type ComplexbenchRecord,
  ComplexbenchRecordSchema,
  type Pairing,
  readComplexbenchData,
  readComplexbenchResponses,
  type ScoringQuestion,
  ScoringQuestionSchema,
} from "./record.js";
export {
  type ComplexbenchLanguage,
  type ComplexbenchRecordResult,
  type ComplexbenchRunOptions,
  type ComplexbenchRunResult,
  formatComplexbenchTable,
  type PointResult,
  runComplexbench,
} from "./run.js";
