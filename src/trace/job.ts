import { dirname, join } from "node:path";
import type { z } from "zod";
import type { PriceOptions } from "../llm/prices.js";
import type { ChatModel } from "../llm/types.js";
import { type DryRunStageReport, dryRunPlan, estimateCosts, formatDryRun } from "../stages/dry-run.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import type { RunFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage, StageContext } from "../stages/stage.js";
import { writeFileAtomic } from "../util/atomic.js";
import { type ExpandOptions, expandStage } from "./expand.js";
import { type ExtraFilters, filterStages } from "./filter.js";
import {
  JudgeInputSchema,
  RespondInputSchema,
  readStageInput,
  SeedInputSchema,
  StructuredInputSchema,
  StructureInputSchema,
} from "./inputs.js";
import { judgeStage } from "./judge.js";
import { buildPlan, runFiles, type TraceBuildOptions, toTraceRecord } from "./pipeline.js";
import { respondStage } from "./respond.js";
import { structureStage } from "./structure.js";

/**
 * The jobs of `iopo trace`: the whole construction chain (`build`: seed instructions -> a run folder of judged
 * TRACE records) or one stage alone (`expand`, `structure`, `filter`, `respond`, `judge`: an input file -> an
 * output file of kept rows, with `<output>.rejects.jsonl` and `<output>.summary.json` beside it).
 */
export const TRACE_JOBS = ["build", "expand", "structure", "filter", "respond", "judge"] as const;
export type TraceJob = (typeof TRACE_JOBS)[number];

/** The construction model and the judge model (quality-control and response judges) of a job. */
export interface JobModels {
  model: ChatModel;
  judge: ChatModel;
}

const INPUT_SCHEMA: Record<TraceJob, z.ZodType> = {
  build: SeedInputSchema,
  expand: SeedInputSchema,
  structure: StructureInputSchema,
  filter: StructuredInputSchema,
  respond: RespondInputSchema,
  judge: JudgeInputSchema,
};

/** Read and validate a job's whole input (file:line: field errors before any call). */
export function readJobInput(job: TraceJob, file: string): PipelineRow[] {
  return readStageInput(file, INPUT_SCHEMA[job]);
}

/** The stages a job runs, each with its model. */
export function jobPlan(
  job: TraceJob,
  models: JobModels,
  expand: ExpandOptions = {},
  filters: ExtraFilters = {},
): StagePlan[] {
  const s = (stage: unknown, model: ChatModel): StagePlan => ({
    stage: stage as Stage<PipelineRow, PipelineRow>,
    model,
  });
  switch (job) {
    case "expand":
      return [s(expandStage(expand), models.model)];
    case "structure":
      return [s(structureStage(), models.model)];
    case "filter":
      return filterStages(filters).map((f) => s(f, models.judge));
    case "respond":
      return [s(respondStage(), models.model)];
    case "judge":
      return [s(judgeStage(), models.judge)];
    case "build":
      return buildPlan({
        outputDir: "",
        model: models.model,
        judgeModel: models.judge,
        ctx: { lang: "en", seed: 0 },
        expand,
        filters,
      });
  }
}

/** The folder a job writes into: the run folder of `build`, the output file's folder of a single stage. */
export function jobOutputDir(job: TraceJob, output: string): string {
  return job === "build" ? output : dirname(output);
}

export interface TraceJobOptions extends Omit<TraceBuildOptions, "outputDir" | "judgeModel"> {
  /** The run folder of `build`; the output file of a single stage. */
  output: string;
  judgeModel: ChatModel;
}

/** Run a job over validated input rows; writes its files (see runFiles) and returns the summary. */
export async function runTraceJob(
  job: TraceJob,
  rows: PipelineRow[],
  options: TraceJobOptions,
): Promise<{ summary: RunSummary; files: RunFiles }> {
  const plan = jobPlan(job, { model: options.model, judge: options.judgeModel }, options.expand, options.filters);
  const files = runFiles(job === "build", options.output);
  const pipeline: PipelineOptions = { ...options, outputDir: jobOutputDir(job, options.output) };
  const summary = await runStages(plan, rows, pipeline, files, job === "build" ? toTraceRecord : undefined);
  return { summary, files };
}

export interface TraceDryRunOptions {
  /** Where the job would write (see jobOutputDir); the dry run writes `dry_run/` in it. */
  outputDir: string;
  ctx: StageContext;
  /** Names of the construction and judge models, for the prices (default judge: the model). */
  model: string;
  judgeModel?: string;
  prices: PriceOptions;
  expand?: ExpandOptions;
  filters?: ExtraFilters;
}

/**
 * A job without any call: the first stage's prompts rendered into `<outputDir>/dry_run/`, the later stages
 * estimated, and the token and cost estimate written to `dry_run/estimate.json` and returned as a table.
 */
export function traceDryRun(
  job: TraceJob,
  rows: PipelineRow[],
  options: TraceDryRunOptions,
): { reports: DryRunStageReport[]; costs: (number | null)[]; text: string } {
  const plan = jobPlan(job, placeholderModels(options.model, options.judgeModel), options.expand, options.filters);
  const dir = join(options.outputDir, "dry_run");
  const reports = dryRunPlan(plan, rows, options.ctx, dir);
  const costs = estimateCosts(plan, reports, options.prices);
  const lang = options.ctx.lang;
  writeFileAtomic(
    join(dir, "estimate.json"),
    `${JSON.stringify({ lang, stages: reports.map((r, k) => ({ ...r, est_cost_usd: costs[k] })) }, null, 2)}\n`,
  );
  return { reports, costs, text: formatDryRun(reports, lang, costs) };
}

/** Models that only carry a name (for plans and prices); calling one is an error. */
function placeholderModels(model: string, judge = model): JobModels {
  const make = (name: string): ChatModel => ({
    id: `dry-run#${name}`,
    model: name,
    chat: () => Promise.reject(new Error("dry run: no calls")),
  });
  return { model: make(model), judge: make(judge) };
}
