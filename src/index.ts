/**
 * `iopo`: the package entry. The lower areas' main names are exported flat (as they always were); every area is
 * also a namespace here and its own entry point (`iopo/data`, `iopo/train`, ...; package.json `exports`), each
 * with a usage example in its index. Importing this entry never loads ONNX Runtime: `iopo/engine`, which needs it
 * at import, is only a subpath, and `model`/`train` load it on the first engine call. The namespaces (`export * as`
 * below) are the same objects as the subpath entries; `eval` cannot name an imported binding in JavaScript, so the
 * evaluations are the `evaluation` namespace here and `iopo/eval` as a subpath.
 *
 * @example
 * import { readJsonl, TraceRecordSchema, train } from "iopo";
 *
 * const records = readJsonl("trace.jsonl", TraceRecordSchema);
 * console.log(records.length, train.METHOD_WEIGHTS.iopo.logits); // [[1, -1, 1, -1]]
 */
export * from "./data/errors.js";
export * as data from "./data/index.js";
export * from "./data/instruction.js";
export * from "./data/jsonl.js";
export * from "./data/schemas.js";
// Judge-based evaluations (CFBench, ComplexBench, TRACE) and the hybrid judge's rule checks.
export { aggregateScores as aggregateCfbenchScores, scoreItem as scoreCfbenchItem } from "./eval/cfbench/metrics.js";
export { readCfbenchData, readCfbenchResponses } from "./eval/cfbench/record.js";
export {
  type CfbenchRunOptions,
  type CfbenchRunResult,
  formatCfbenchTable,
  runCfbench,
} from "./eval/cfbench/run.js";
export { aggregateComplexbench, applyDependencies } from "./eval/complexbench/aggregate.js";
export { decomposeJudge as complexbenchRuleVerdict } from "./eval/complexbench/con-rule.js";
export { readComplexbenchData, readComplexbenchResponses } from "./eval/complexbench/record.js";
export {
  type ComplexbenchRunOptions,
  type ComplexbenchRunResult,
  formatComplexbenchTable,
  runComplexbench,
} from "./eval/complexbench/run.js";
export * as evaluation from "./eval/index.js";
export { evalTrace, type TraceEvaluation, type TraceEvaluationOptions } from "./eval/trace/evaluate.js";
export type { TraceJudgeKit } from "./eval/trace/judge-kit.js";
export { computeTraceMetrics, type TraceMetrics } from "./eval/trace/metrics.js";
export { type OfflineTraceJudge, type OfflineVerdict, rulesJudge } from "./eval/trace/offline-judge.js";
export { readTraceData, readTraceResponses } from "./eval/trace/responses.js";
export { formatTraceTable, runTrace, type TraceRunOptions, type TraceRunResult } from "./eval/trace/run.js";
export { selectTraceRecords, stratifiedSample, type TraceSelection } from "./eval/trace/select.js";
export * as experiment from "./experiment/index.js";
export * as judge from "./judge/index.js";
export * from "./judge/parse-trace-judge.js";
export {
  type ConstraintCheck,
  checkConstraint,
  checkRule,
  countChineseChars,
  countWhitespaceWords,
  type DetectedRules,
  detectRules,
  type Rule,
  ruleCoverage,
} from "./judge/rules/index.js";
export * from "./judge/trace-judge.js";
export * from "./llm/budget.js";
export * from "./llm/create-chat-model.js";
export * from "./llm/dry-run-chat-model.js";
export * from "./llm/errors.js";
export * as llm from "./llm/index.js";
export * from "./llm/openai-chat-model.js";
export * from "./llm/prices.js";
export * from "./llm/request-body.js";
export * from "./llm/response-cache.js";
export * from "./llm/retry-policy.js";
export * from "./llm/scheduler.js";
export * from "./llm/semaphore.js";
export type * from "./llm/types.js";
export * from "./llm/usage.js";
export * as model from "./model/index.js";
export * as pairs from "./pairs/index.js";
// `iopo report`: run folders -> one self-contained HTML page.
export * from "./report/index.js";
export * as stages from "./stages/index.js";
// The generic stage runner and pipeline (journals, resume, rejects, summaries) that the TRACE and pairs chains run on.
export * from "./stages/pipeline.js";
export * from "./stages/run-files.js";
export type * from "./stages/stage.js";
export * from "./stages/stage-runner.js";
export * from "./taxonomy/index.js";
export * as taxonomy from "./taxonomy/index.js";
export * from "./trace/constraint-counts.js";
export * from "./trace/expand.js";
export * from "./trace/filter.js";
export * as trace from "./trace/index.js";
export * from "./trace/judge.js";
export * from "./trace/pipeline.js";
export * from "./trace/respond.js";
export * from "./trace/stats.js";
export * from "./trace/structure.js";
export * as train from "./train/index.js";
export * from "./util/progress.js";
// One run per output folder: the lock every run-folder command (and the experiment orchestrator) holds.
export * from "./util/run-lock.js";
export * as world from "./world/index.js";
