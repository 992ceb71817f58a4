import { DataError } from "../../data/errors.js";
import type { TraceRecord } from "../../data/schemas.js";
import type { OverlongPolicy } from "../../model/context-fit.js";
import type { EngineChatModel } from "../../model/engine-chat-model.js";
import { BUNDLED_TRACE_EVALUATION } from "../../trace/stats.js";
import { ensureDir } from "../../util/path-error.js";
import { checkTraceContext, type TraceContextCheck } from "./context-check.js";
import { writeTraceOutputs } from "./outputs.js";
import { readTraceData, readTraceResponses } from "./responses.js";
import { runTrace, type TraceRunOptions, type TraceRunResult } from "./run.js";
import { selectTraceRecords, type TraceSelection } from "./select.js";

/**
 * `iopo eval trace` as one library call: read (or take) the records, select them, generate the missing responses,
 * judge (LLM or offline), write results.jsonl, hybrid_disagreements.jsonl and metrics.json into `outputDir`. Nothing
 * exits the process; errors are thrown (DataError for bad input files). E.g. evaluating a checkpoint offline on the
 * constraint world:
 *
 *   await evalTrace({ dataFile: "eval.jsonl", generator: new EngineChatModel(dir), offlineJudge: worldTraceJudge,
 *                     generation: { temperature: 0, max_tokens: 128 }, outputDir: "runs/x/eval" });
 */
export interface TraceEvaluationOptions
  extends Omit<TraceRunOptions, "records" | "responses" | "generation">,
    TraceSelection {
  /** The records to evaluate; default: read from `dataFile`. */
  records?: readonly TraceRecord[];
  /** TRACE records (JSONL); default: the bundled 1,042-record evaluation set. */
  dataFile?: string;
  /** Responses by id; or `responsesFile`; records without one are generated with `generator`. */
  responses?: ReadonlyMap<string, string>;
  /** JSONL rows {id, response} (or `text`), e.g. `iopo generate`'s output. */
  responsesFile?: string;
  /** Sampling of the model under test (default temperature 0.1, the paper's vLLM setting). */
  generation?: TraceRunOptions["generation"];
  outputDir: string;
  /** Extra provenance for metrics.json (e.g. LLM counters per model), or a function called once the run is done. */
  provenance?: Record<string, unknown> | (() => Record<string, unknown>);
  /**
   * With an in-process model (`engine`, usually also the `generator`): check the selected records it will answer
   * against its context before anything is generated (./context-check.ts). Over-long ones are left out ("skip"),
   * generated from truncated prompts ("truncate") or an error ("error"); what the check did is kept in metrics.json
   * (`context_check`) and passed to `onChecked` (its warnings and a one-line summary) before generation starts.
   */
  contextCheck?: {
    engine: EngineChatModel;
    /** Generation length the check reserves after each prompt. */
    maxTokens: number;
    policy: OverlongPolicy;
    onChecked?: (check: TraceContextCheck, summary: string | undefined) => void;
  };
}

export interface TraceEvaluation {
  records: TraceRecord[];
  result: TraceRunResult;
  metricsFile: string;
  /** What the context check did (with `contextCheck`). */
  contextCheck?: TraceContextCheck;
}

export async function evalTrace(o: TraceEvaluationOptions): Promise<TraceEvaluation> {
  const dataFile = o.records ? (o.dataFile ?? null) : (o.dataFile ?? BUNDLED_TRACE_EVALUATION);
  const all = o.records ? [...o.records] : readTraceData(dataFile!);
  let records: TraceRecord[];
  try {
    records = selectTraceRecords(all, { ids: o.ids, limit: o.limit, seed: o.seed });
  } catch (err) {
    throw new DataError(dataFile ?? "<records>", undefined, "id", (err as Error).message);
  }
  // A judge that cannot read the data (e.g. the world checker on non-world records) is bad input: say so before
  // anything is generated.
  try {
    o.offlineJudge?.prepare?.(records);
  } catch (err) {
    throw new DataError(dataFile ?? "<records>", undefined, undefined, (err as Error).message);
  }
  const responses =
    o.responses ?? (o.responsesFile ? readTraceResponses(o.responsesFile, new Set(all.map((r) => r.id))) : undefined);
  const { dataFile: _d, responsesFile: _r, outputDir, provenance, ids, limit, seed, contextCheck: fit, ...run } = o;
  let contextCheck: TraceContextCheck | undefined;
  if (fit) {
    const checked = checkTraceContext(fit.engine, records, new Set(responses?.keys() ?? []), {
      dataFile: dataFile ?? "<records>",
      maxTokens: fit.maxTokens,
      policy: fit.policy,
    });
    fit.onChecked?.(checked.check, checked.summary);
    records = checked.records;
    contextCheck = checked.check;
  }
  // Before any call: a folder that cannot be made must not cost a generation.
  ensureDir(outputDir);
  const result = await runTrace({
    ...run,
    records,
    responses,
    generation: o.generation ?? { temperature: 0.1 },
  });
  const metricsFile = writeTraceOutputs(outputDir, records, result, {
    data_file: dataFile,
    responses_file: o.responsesFile ?? null,
    selection: { ids: ids ?? null, limit: limit ?? null, seed: seed ?? 0, records: records.length, of: all.length },
    ...(contextCheck ? { context_check: contextCheck } : {}),
    ...(typeof provenance === "function" ? provenance() : provenance),
  });
  return { records, result, metricsFile, ...(contextCheck ? { contextCheck } : {}) };
}
