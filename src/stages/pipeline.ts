import { join } from "node:path";
import { writeJsonl } from "../data/jsonl.js";
import type { ChatModel, TokenUsage } from "../llm/types.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { Progress } from "../util/progress.js";
import type { RunFiles } from "./run-files.js";
import type { PipelineRow, RejectRow, Stage, StageContext } from "./stage.js";
import { runStage, type StageSummary } from "./stage-runner.js";

/**
 * A chain of stages run one after the other (`trace build`, `pairs iopo`, `pairs dpo`, or a single stage): each
 * stage's kept rows feed the next, every reject is collected with its stage and reason, and the run ends with the
 * final file, the rejects and a summary. See `run-files.ts` for where these are written; all files are written
 * atomically once their stage is complete.
 */

export interface PipelineOptions {
  outputDir: string;
  model: ChatModel;
  judgeModel?: ChatModel;
  ctx: StageContext;
  concurrency?: number;
  progress?: Progress;
  failFast?: boolean;
  isFatal?: (err: unknown) => boolean;
  /** USD of one call of a model, or undefined when the model has no known price (reported as unknown). */
  costOf?: (model: ChatModel, usage: TokenUsage) => number | undefined;
  /** Re-asks per row after an unreadable reply (see RunStageOptions.parseRetries). Default 0. */
  parseRetries?: number;
  /** Extra counters to fold into the summary at the end (e.g. retries and 429s from the LLM layer). */
  extraCounters?: () => Record<string, number>;
  /**
   * Failed calls (after the LLM layer's retries) a run may have and still succeed (--max-call-failures). Default 0:
   * any failed call makes the run's status "failed". Rows refused by the size guard are not failed calls.
   */
  maxCallFailures?: number;
}

export interface RunSummary {
  rows_in: number;
  rows_out: number;
  rejected: number;
  parse_failures: number;
  call_failures: number;
  /** Rows refused by the size guard (--max-prompt-tokens), never sent. */
  prompt_too_long: number;
  calls: number;
  cached: number;
  resumed: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Estimated USD of the run; null when a call's model has no known price (`unpriced_calls` > 0): unknown, not 0. */
  est_cost_usd: number | null;
  /** Calls of models without a known price; their cost is unknown. */
  unpriced_calls: number;
  /** Estimated USD of the calls of priced models (a lower bound of the cost when some are unpriced). */
  priced_cost_usd: number;
  /**
   * "ok", or "failed" when calls failed beyond --max-call-failures, a stage kept no row because its calls failed, or
   * a fatal error (authentication, budget) stopped the run; `failure` then says which. A failed run's command exits
   * non-zero, after writing everything that succeeded.
   */
  status: "ok" | "failed";
  failure?: string;
  [counter: string]: unknown;
  stages: StageSummary[];
}

/** A named stage with the model that runs it. */
export interface StagePlan {
  stage: Stage<PipelineRow, PipelineRow>;
  model: ChatModel;
}

/** Run a list of stages in order over `rows`, writing per-stage outputs, rejects, the final file and the summary. */
export async function runStages(
  plan: StagePlan[],
  rows: PipelineRow[],
  opts: PipelineOptions,
  files: RunFiles,
  finalize: (row: PipelineRow) => unknown = (r) => r,
): Promise<RunSummary> {
  let current = rows;
  const rejects: RejectRow[] = [];
  const stages: StageSummary[] = [];
  for (const [k, { stage, model }] of plan.entries()) {
    let result: Awaited<ReturnType<typeof runStage>>;
    try {
      result = await runStage({
        stage,
        rows: current,
        model,
        ctx: opts.ctx,
        journalDir: files.journalDir,
        concurrency: opts.concurrency,
        progress: opts.progress,
        failFast: opts.failFast,
        isFatal: opts.isFatal,
        parseRetries: opts.parseRetries,
        costOf: opts.costOf ? (u) => opts.costOf!(model, u) : undefined,
      });
    } catch (err) {
      // A fatal error (bad key, spent budget, fail-fast) stops the run: the summary says so and where; the calls
      // that finished are in the stage journal, so a rerun resumes from them.
      const summary = summarize(rows.length, 0, rejects.length, stages, opts.extraCounters?.());
      summary.status = "failed";
      summary.failure = `stage ${stage.name} stopped: ${err instanceof Error ? err.message : String(err)}`;
      writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
      throw err;
    }
    if (files.stagesDir) {
      writeJsonl(join(files.stagesDir, `${String(k + 1).padStart(2, "0")}_${stage.name}.jsonl`), result.kept);
    }
    rejects.push(...result.rejects);
    stages.push(result.summary);
    current = result.kept;
  }
  writeJsonl(files.final, current.map(finalize));
  writeJsonl(files.rejects, rejects);
  const summary = summarize(rows.length, current.length, rejects.length, stages, opts.extraCounters?.());
  const firstFailed = rejects.find((r) => r.reason === "call_failed")?.detail;
  const failure = callFailure(
    summary,
    opts.maxCallFailures ?? 0,
    files.rejects,
    typeof firstFailed === "string" ? firstFailed : undefined,
  );
  if (failure) {
    summary.status = "failed";
    summary.failure = failure;
  }
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/**
 * Why a finished run failed because of its calls, or undefined: a stage that kept no row while some of its calls
 * failed, or more failed calls than `maxCallFailures`. Rows rejected on their merits (judges, unreadable replies,
 * the size guard) are results, not failures.
 */
export function callFailure(
  summary: RunSummary,
  maxCallFailures: number,
  rejectsFile: string,
  firstReason?: string,
): string | undefined {
  const empty = summary.stages.find((s) => s.rows_in > 0 && s.rows_out === 0 && s.call_failures > 0);
  const first = firstReason
    ? `first: ${firstReason.length > 300 ? `${firstReason.slice(0, 300)}...` : firstReason}; `
    : "";
  const where = `${first}reasons in ${rejectsFile}; a rerun retries them`;
  if (empty)
    return (
      `stage ${empty.stage} kept no row: ${empty.call_failures} of its ${empty.rows_in} row(s) failed their call ` +
      `(${where})`
    );
  if (summary.call_failures > maxCallFailures)
    return (
      `${summary.call_failures} call(s) failed, more than --max-call-failures ${maxCallFailures} (${where}; ` +
      "the rows that succeeded are written)"
    );
  return undefined;
}

export function summarize(
  rowsIn: number,
  rowsOut: number,
  rejected: number,
  stages: StageSummary[],
  extra: Record<string, number> = {},
): RunSummary {
  const sum = (k: keyof StageSummary) => stages.reduce((a, s) => a + ((s[k] as number | undefined) ?? 0), 0);
  const priced = Math.round(sum("est_cost_usd") * 1e6) / 1e6;
  const unpriced = sum("unpriced_calls");
  return {
    rows_in: rowsIn,
    rows_out: rowsOut,
    rejected,
    parse_failures: sum("parse_failures"),
    call_failures: sum("call_failures"),
    prompt_too_long: sum("prompt_too_long"),
    calls: sum("calls"),
    cached: sum("cached"),
    resumed: sum("resumed"),
    prompt_tokens: sum("prompt_tokens"),
    completion_tokens: sum("completion_tokens"),
    est_cost_usd: unpriced > 0 ? null : priced,
    unpriced_calls: unpriced,
    priced_cost_usd: priced,
    status: "ok",
    ...extra,
    stages,
  };
}

/** Human-readable end-of-run summary (promptfoo style). */
export function formatSummary(s: RunSummary): string {
  const lines = [
    "",
    "stage             in    out  rejected  parse_fail  call_fail  resumed  calls  cached  tokens(in/out)",
  ];
  for (const st of s.stages) {
    lines.push(
      `${st.stage.padEnd(16)} ${String(st.rows_in).padStart(4)} ${String(st.rows_out).padStart(6)} ${String(st.rejected).padStart(9)} ${String(st.parse_failures).padStart(11)} ${String(st.call_failures).padStart(10)} ${String(st.resumed).padStart(8)} ${String(st.calls).padStart(6)} ${String(st.cached).padStart(7)}  ${st.prompt_tokens}/${st.completion_tokens}`,
    );
  }
  const extra = Object.entries(s)
    .filter(([k, v]) => typeof v === "number" && !(k in EMPTY_TOTALS))
    .map(([k, v]) => `${k} ${v}`);
  lines.push(
    "",
    `rows in ${s.rows_in}, out ${s.rows_out}, rejected ${s.rejected} (parse failures ${s.parse_failures}, call failures ${s.call_failures}` +
      `${s.prompt_too_long ? `, prompt too long ${s.prompt_too_long}` : ""})`,
    `calls ${s.calls} (cached ${s.cached}, resumed from journal ${s.resumed}), tokens ${s.prompt_tokens} in / ${s.completion_tokens} out, est. cost ${formatCost(s)}${extra.length ? `, ${extra.join(", ")}` : ""}`,
  );
  for (const st of s.stages)
    for (const [k, v] of Object.entries(st.counters ?? {}))
      if (v > 0) lines.push(`${st.stage}: ${k.replaceAll("_", " ")} ${v}`);
  if (s.status === "failed") lines.push(`FAILED: ${s.failure ?? "see summary.json"}`);
  return `${lines.join("\n")}\n`;
}

/** "$0.0123", or "unknown" when some model has no price (as the dry run says), with the priced part if any. */
export function formatCost(s: Pick<RunSummary, "est_cost_usd" | "unpriced_calls" | "priced_cost_usd">): string {
  if (s.est_cost_usd !== null) return `$${s.est_cost_usd.toFixed(4)}`;
  const part = s.priced_cost_usd > 0 ? `; $${s.priced_cost_usd.toFixed(4)} for the priced calls` : "";
  return (
    `unknown (${s.unpriced_calls} call(s) of a model without a price${part}; give --price-input/--price-output ` +
    "(USD per 1M tokens) or --price-file)"
  );
}

const EMPTY_TOTALS = {
  rows_in: 0,
  rows_out: 0,
  rejected: 0,
  parse_failures: 0,
  call_failures: 0,
  prompt_too_long: 0,
  calls: 0,
  cached: 0,
  resumed: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  est_cost_usd: 0,
  unpriced_calls: 0,
  priced_cost_usd: 0,
};
