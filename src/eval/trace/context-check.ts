import { DataError } from "../../data/errors.js";
import type { TraceRecord } from "../../data/schemas.js";
import { describeFit, type FitReport, type OverlongPolicy } from "../../model/context-fit.js";
import type { EngineChatModel } from "../../model/engine-chat-model.js";

/** What the up-front length check did to an in-process evaluation (kept in metrics.json's provenance). */
export interface TraceContextCheck {
  limit: FitReport["limit"];
  policy: OverlongPolicy;
  /** Ids of the records left out of the evaluation: their prompt leaves no room to generate. */
  skipped: string[];
  truncated: number;
  /** Records whose generation stops at the model's limit before max_tokens. */
  capped: number;
  warnings: string[];
}

/**
 * Check the records that the in-process model will answer (those without a given response) against its context
 * before generating: with "skip" the over-long ones leave the evaluation (returned without them, listed in the
 * check), with "truncate" their prompts are cut when generated, with "error" a DataError names the first one.
 */
export function checkTraceContext(
  engine: EngineChatModel,
  records: readonly TraceRecord[],
  answered: ReadonlySet<string>,
  options: { dataFile: string; maxTokens: number; policy: OverlongPolicy },
): { records: TraceRecord[]; check: TraceContextCheck; summary?: string } {
  const todo = records.filter((r) => !answered.has(r.id));
  const fit = engine.checkPrompts(
    todo.map((r) => ({ messages: r.messages, place: { file: `${options.dataFile} (record id ${r.id})` } })),
    options.maxTokens,
    options.policy,
  );
  const skipped = new Set(todo.filter((_, i) => fit.prompts[i] === undefined).map((r) => r.id));
  if (records.length > 0 && skipped.size === records.length)
    throw new DataError(
      options.dataFile,
      undefined,
      undefined,
      `all ${records.length} selected records are over ${fit.report.limit.source}: nothing to evaluate ` +
        "(--on-overlong truncate evaluates them with truncated prompts)",
    );
  return {
    records: records.filter((r) => !skipped.has(r.id)),
    check: {
      limit: fit.report.limit,
      policy: options.policy,
      skipped: [...skipped],
      truncated: fit.report.truncated,
      capped: fit.report.capped,
      warnings: fit.report.warnings,
    },
    summary: describeFit(fit.report, "records"),
  };
}
