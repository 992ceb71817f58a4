// Public library API. Each area re-exports its typed entry points here.
export * from "./data/errors.js";
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
export { evalTrace, type TraceEvaluation, type TraceEvaluationOptions } from "./eval/trace/evaluate.js";
export type { TraceJudgeKit } from "./eval/trace/judge-kit.js";
export { computeTraceMetrics, type TraceMetrics } from "./eval/trace/metrics.js";
export { type OfflineTraceJudge, type OfflineVerdict, rulesJudge } from "./eval/trace/offline-judge.js";
export { readTraceData, readTraceResponses } from "./eval/trace/responses.js";
export { formatTraceTable, runTrace, type TraceRunOptions, type TraceRunResult } from "./eval/trace/run.js";
export { selectTraceRecords, stratifiedSample, type TraceSelection } from "./eval/trace/select.js";
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
export * from "./llm/openai-chat-model.js";
export * from "./llm/prices.js";
export * from "./llm/request-body.js";
export * from "./llm/response-cache.js";
export * from "./llm/retry-policy.js";
export * from "./llm/scheduler.js";
export * from "./llm/semaphore.js";
export type * from "./llm/types.js";
export * from "./llm/usage.js";
// The generic stage runner and pipeline (journals, resume, rejects, summaries) that the TRACE and pairs chains run on.
export * from "./stages/pipeline.js";
export * from "./stages/run-files.js";
export type * from "./stages/stage.js";
export * from "./stages/stage-runner.js";
export * from "./taxonomy/index.js";
export * from "./trace/expand.js";
export * from "./trace/filter.js";
export * from "./trace/judge.js";
export * from "./trace/pipeline.js";
export * from "./trace/respond.js";
export * from "./trace/stats.js";
export * from "./trace/structure.js";
export * from "./util/progress.js";
export * as world from "./world/index.js";
