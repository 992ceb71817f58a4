/**
 * `iopo/pairs`: preference data from TRACE records whose response the judge scored 10 on every constraint.
 * DPO pairs (appendix C: a worse answer y_l for the same x, checked to break a constraint) and IOPO groups
 * (appendix D: x2 edits x1's constraints by ADD / DELETE / REVISE, y2 answers x2, and the judge checks the four
 * combinations), each written to a resumable run folder like `iopo pairs dpo|iopo`.
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { readPairsJobInput, runPairsJob } from "iopo/pairs";
 *
 * const model = createChatModel({ model: "qwen2-72b-instruct", baseUrl: "http://127.0.0.1:8000/v1" });
 * const input = readPairsJobInput("iopo", "runs/trace/trace.jsonl"); // records not scored all-10 are set aside
 * const { summary, outFile } = await runPairsJob("iopo", input, {
 *   outputDir: "runs/iopo", // iopo_groups.jsonl, rejects.jsonl, summary.json, journal/
 *   model,
 *   ctx: { lang: "en", seed: 0 },
 *   equaliseTokens: true, // also dpo_star.jsonl and sft_star.jsonl (paper figures 4-5)
 * });
 * console.log(outFile, summary.rows_out, summary.operation_add, summary.operation_delete, summary.operation_revise);
 * model.close();
 */
export { buildDpoPairs, dpoPlan, toDpoPair, type WorseRow, worseAnswerStage, worseTemplate } from "./dpo-builder.js";
export {
  type EditedRow,
  editConstraintsStage,
  editTemplate,
  invalidEdit,
  type X1Row,
  x1Messages,
} from "./edit-constraints.js";
export {
  buildIopoGroups,
  type GroupRow,
  iopoPlan,
  operationMix,
  respondX2Stage,
  toIopoGroup,
} from "./iopo-builder.js";
export * from "./job.js";
export {
  type JudgeTarget,
  type PairJudgeOptions,
  pairJudgeStage,
  type StoredVerdict,
  scoreSum,
} from "./judge-stage.js";
export * from "./operation.js";
export * from "./records.js";
