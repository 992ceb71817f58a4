import type { ChatModel } from "../llm/types.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import { type RunFiles, runFolderFiles, singleStageFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage } from "../stages/stage.js";
import { type ExpandOptions, expandStage, type SeedRow } from "./expand.js";
import { type ExtraFilters, filterStages } from "./filter.js";
import { judgeStage } from "./judge.js";
import { respondStage } from "./respond.js";
import { structureStage } from "./structure.js";

/**
 * `trace build`: the whole construction chain, seed instructions -> kept TRACE records.
 *   expand -> structure -> filter_complete -> filter_redundant -> respond -> judge
 * (plus, when asked for, filter_faithfulness and filter_consistency after filter_redundant: not in the paper).
 * Construction stages use `model`; the quality-control and evaluation judges use `judgeModel` (default: model).
 * The chain runs on the generic stage pipeline (src/stages/).
 *
 * Output folder:
 *   trace.jsonl            kept records (TRACE fields + response, judge, provenance per stage)
 *   rejects.jsonl          every row that left the chain, with its stage and reason
 *   stages/NN_<stage>.jsonl   rows kept by each stage
 *   summary.json           per-stage and total counts, tokens, estimated cost
 *   journal/               per-stage call journals (resume)
 * All files are written atomically once their stage is complete.
 */

/** Pipeline options plus what only the TRACE chain takes (the expander's settings, the optional filters). */
export interface TraceBuildOptions extends PipelineOptions {
  expand?: ExpandOptions;
  filters?: ExtraFilters;
}

export function buildPlan(opts: TraceBuildOptions): StagePlan[] {
  const judge = opts.judgeModel ?? opts.model;
  const s = (stage: unknown, model: ChatModel) => ({ stage: stage as Stage<PipelineRow, PipelineRow>, model });
  return [
    s(expandStage(opts.expand), opts.model),
    s(structureStage(), opts.model),
    ...filterStages(opts.filters).map((f) => s(f, judge)),
    s(respondStage(), opts.model),
    s(judgeStage(), judge),
  ];
}

/** Files of `trace build` (a run folder) and of a single stage (`--output FILE` and siblings). */
export function runFiles(chain: boolean, dirOrOutput: string): RunFiles {
  return chain ? runFolderFiles(dirOrOutput, "trace.jsonl") : singleStageFiles(dirOrOutput);
}

/** The kept record as written to trace.jsonl: the released TRACE fields first, then what the engine adds. */
export function toTraceRecord(row: PipelineRow): Record<string, unknown> {
  const { id, messages, description, constraints, input, constraints_num, constraints_splits, levels2 } = row;
  const { response, judge } = row;
  const { provenance, seed_instruction, expanded_instruction, suggested_dimensions, requested_constraints } = row;
  return {
    id,
    messages,
    type: "trace",
    description,
    constraints,
    input,
    constraints_num,
    constraints_splits,
    levels2,
    category: "iopo-build",
    seed_instruction,
    expanded_instruction,
    suggested_dimensions,
    requested_constraints,
    response,
    judge,
    provenance,
  };
}

export async function buildTrace(seeds: SeedRow[], opts: TraceBuildOptions): Promise<RunSummary> {
  return runStages(buildPlan(opts), seeds, opts, runFiles(true, opts.outputDir), toTraceRecord);
}
