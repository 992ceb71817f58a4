import { mkdirSync } from "node:fs";
import { DataError } from "../../data/errors.js";
import type { TraceRecord } from "../../data/schemas.js";
import { BUNDLED_TRACE_EVALUATION } from "../../trace/stats.js";
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
}

export interface TraceEvaluation {
  records: TraceRecord[];
  result: TraceRunResult;
  metricsFile: string;
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
  const { dataFile: _d, responsesFile: _r, outputDir, provenance, ids, limit, seed, ...run } = o;
  // Before any call: a folder that cannot be made must not cost a generation.
  mkdirSync(outputDir, { recursive: true });
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
    ...(typeof provenance === "function" ? provenance() : provenance),
  });
  return { records, result, metricsFile };
}
