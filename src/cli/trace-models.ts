import type { Command } from "commander";
import { createChatModel, type ManagedChatModel } from "../llm/create-chat-model.js";
import { costUsd } from "../llm/prices.js";
import type { TokenUsage } from "../llm/types.js";
import type { RunSummary } from "../stages/pipeline.js";
import type { Progress } from "../util/progress.js";
import { announceEndpoint, chatModelOptionsFromCli, type LlmCliValues, resolveEndpoint } from "./llm-options.js";
import { intOption } from "./options.js";

/**
 * The models of a `trace` run, built with the shared LLM layer (cache, scheduler with retries, budget, usage): the
 * construction model and, if different, the judge model, sharing one usage ledger, one budget and one cache.
 */
export interface TraceModels {
  model: ManagedChatModel;
  judge: ManagedChatModel;
  /** Estimated USD of one call's usage for a model; undefined when its price is unknown (reported as unknown). */
  costOf(model: ManagedChatModel, usage: TokenUsage): number | undefined;
  /** Counters for the summary: retries, 429s, live spend, cache hits. */
  counters(): Record<string, number>;
  close(): void;
}

export interface TraceModelValues extends LlmCliValues {
  judgeModel?: string;
  judgeBaseUrl?: string;
  judgeApiKeyEnv?: string;
}

export function createTraceModels(values: TraceModelValues, progress?: Progress): TraceModels {
  // The judge is its own client when it is another model or another endpoint (or key); it shares the run's usage
  // ledger, budget and response cache.
  const judgeModel = values.judgeModel ?? values.model;
  const judgeFlag = values.judgeBaseUrl ? "--judge-base-url" : "--base-url";
  const judgeEndpoint = { url: values.judgeBaseUrl ?? values.baseUrl, flag: judgeFlag };
  const separate =
    judgeModel !== values.model ||
    (values.judgeBaseUrl !== undefined && values.judgeBaseUrl !== values.baseUrl) ||
    (values.judgeApiKeyEnv !== undefined && values.judgeApiKeyEnv !== values.apiKeyEnv);
  // Each endpoint is required (outside dry runs) and said at the start, before any call.
  if (!values.dryRun) {
    const ep = resolveEndpoint(values.baseUrl, "--base-url");
    announceEndpoint("model", values.model ?? "?", ep, values.maxPromptTokens);
    if (separate && judgeModel)
      announceEndpoint(
        "judge",
        judgeModel,
        resolveEndpoint(judgeEndpoint.url, judgeEndpoint.flag),
        values.maxPromptTokens,
      );
  }
  const onEvent = (ev: { type: string; stage?: string; kind?: string }) => {
    if (ev.type !== "retry" || !ev.stage) return;
    progress?.task(ev.stage)?.count({ retries: 1, rate_limited: ev.kind === "rate_limit" ? 1 : 0 });
  };
  const model = createChatModel({ ...chatModelOptionsFromCli(values, values.model), onEvent });
  const judge = separate
    ? createChatModel({
        ...chatModelOptionsFromCli(
          { ...values, apiKeyEnv: values.judgeApiKeyEnv ?? values.apiKeyEnv },
          judgeModel,
          judgeEndpoint,
        ),
        onEvent,
        ledger: model.usage,
        budget: model.budget,
        cache: model.cache,
      })
    : model;
  const distinct = judge === model ? [model] : [model, judge];
  return {
    model,
    judge,
    costOf(m, usage) {
      const p = m.usage.priceOf(m.model);
      return p.known ? costUsd(usage, p.price) : undefined;
    },
    counters() {
      const s = distinct.map((m) => m.stats());
      const sum = (f: (x: (typeof s)[number]) => number) => s.reduce((a, x) => a + f(x), 0);
      return {
        retries: sum((x) => x.scheduler.retries),
        rate_limited: sum((x) => x.scheduler.rate_limited),
        http_attempts: sum((x) => x.scheduler.attempts),
        cache_hits: sum((x) => x.cache.hits),
        // The ledger is shared, so s[0] has every call; with an unpriced model the spend is unknown, not 0.
        ...(s[0].usage.unpriced_models.length === 0 ? { spent_usd: Math.round(s[0].usage.cost_usd * 1e6) / 1e6 } : {}),
      };
    },
    close() {
      // The judge shares the construction model's cache; close each stack once.
      for (const m of distinct) m.close();
    },
  };
}

/** `--max-call-failures`, for the commands that run stages (trace, pairs). */
export function addCallFailureOption(cmd: Command): Command {
  return cmd.option(
    "--max-call-failures <n>",
    "failed calls (after retries) the run may have and still exit 0; the rows that succeeded are written either way",
    intOption({ min: 0 }),
    0,
  );
}

/**
 * A run whose summary says "failed" (calls failed beyond --max-call-failures, or a stage kept no row because its
 * calls failed) did not do its job: end it as a runtime failure (EXIT.failure) after its summary and files.
 */
export function failIfRunFailed(summary: RunSummary): void {
  if (summary.status === "failed") throw new Error(summary.failure ?? "the run failed (see its summary.json)");
}

/** The former name of failIfRunFailed (a job that kept no row because its calls failed is one kind of failed run). */
export function failIfCallsKeptNothing(summary: RunSummary, _rejectsFile?: string): void {
  failIfRunFailed(summary);
}
