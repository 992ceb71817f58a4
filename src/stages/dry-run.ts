import { dirname, join } from "node:path";
import { costUsd, type PriceOptions, resolvePrice } from "../llm/prices.js";
import { estimateTextTokens } from "../llm/prompt-limit.js";
import { templateHash } from "../llm/prompt-template.js";
import type { ChatRequest } from "../llm/types.js";
import type { PromptLang } from "../taxonomy/render.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { StagePlan } from "./pipeline.js";
import type { PipelineRow, Stage, StageContext } from "./stage.js";

/**
 * `--dry-run`: render the prompts a stage would send, without calling anything, and estimate tokens and cost.
 * Only the first stage of a chain can be rendered exactly (later prompts depend on earlier replies); the rest of
 * the chain is estimated from template sizes and assumed reply lengths, and says so.
 */

/**
 * Rough token count without a tokenizer: the same estimate as the size guard in front of live calls
 * (src/llm/prompt-limit.ts: about one token per 4 ASCII characters, one per CJK character).
 */
export function estimateTokens(text: string): number {
  return estimateTextTokens(text);
}

export function renderRequest(req: ChatRequest): string {
  const params = Object.entries(req)
    .filter(([k]) => k !== "messages")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  const msgs = req.messages.map((m) => `=== ${m.role} ===\n${m.content}`).join("\n\n");
  return `# ${params}\n\n${msgs}\n`;
}

export interface DryRunStageReport {
  stage: string;
  template_hash: string;
  rows: number;
  prompt_tokens: number;
  /** Assumed reply length per call (max_tokens is an upper bound; this is a typical length). */
  completion_tokens_assumed: number;
  exact: boolean;
  files: string[];
}

/** Render every request of `stage` over `rows` into `dir/<stage>_<id>.txt`. */
export function dryRunStage(
  stage: Stage<PipelineRow, PipelineRow>,
  rows: readonly PipelineRow[],
  ctx: StageContext,
  dir: string,
  assumedReplyTokens: number,
): DryRunStageReport {
  let tokens = 0;
  const files: string[] = [];
  for (const row of rows) {
    const req = stage.request(row, ctx);
    tokens += req.messages.reduce((a, m) => a + estimateTokens(m.content), 0);
    const file = join(dir, `${stage.name}_${row.id.replace(/[^\w.-]/g, "_")}.txt`);
    writeFileAtomic(file, renderRequest(req));
    files.push(file);
  }
  return {
    stage: stage.name,
    template_hash: templateHash(stage.template(ctx.lang)),
    rows: rows.length,
    prompt_tokens: tokens,
    completion_tokens_assumed: assumedReplyTokens * rows.length,
    exact: true,
    files,
  };
}

/** Estimate for a later stage: template size plus an assumed per-row payload, times rows. */
export function estimateStage(
  stage: Stage<PipelineRow, PipelineRow>,
  rows: number,
  ctx: StageContext,
  payloadTokens: number,
  replyTokens: number,
): DryRunStageReport {
  const t = stage.template(ctx.lang);
  return {
    stage: stage.name,
    template_hash: templateHash(t),
    rows,
    prompt_tokens: rows * (estimateTokens(t.text.replace(/\{\{\w+\}\}/g, "")) + payloadTokens),
    completion_tokens_assumed: rows * replyTokens,
    exact: false,
    files: [],
  };
}

/** Typical reply and payload sizes per stage, for the parts of the chain a dry run cannot render. */
const ASSUMED: Record<string, { payload: number; reply: number }> = {
  expand: { payload: 60, reply: 350 },
  structure: { payload: 200, reply: 220 },
  filter_complete: { payload: 220, reply: 150 },
  filter_redundant: { payload: 220, reply: 150 },
  filter_faithfulness: { payload: 420, reply: 150 },
  filter_consistency: { payload: 220, reply: 150 },
  respond: { payload: 250, reply: 500 },
  judge: { payload: 750, reply: 300 },
};

/** Dry run of a chain: the first stage rendered exactly into `dir`, the later ones estimated (every row survives). */
export function dryRunPlan(
  plan: readonly StagePlan[],
  rows: readonly PipelineRow[],
  ctx: StageContext,
  dir: string,
): DryRunStageReport[] {
  return plan.map(({ stage }, k) => {
    const a = ASSUMED[stage.name] ?? { payload: 300, reply: 300 };
    return k === 0
      ? dryRunStage(stage, rows, ctx, dir, a.reply)
      : estimateStage(stage, rows.length, ctx, a.payload, a.reply);
  });
}

/** Estimated USD per stage at the price of the stage's model (flags, price file, built-in table); null when unknown. */
export function estimateCosts(
  plan: readonly StagePlan[],
  reports: readonly DryRunStageReport[],
  prices: PriceOptions,
): (number | null)[] {
  return reports.map((r, k) => {
    const p = resolvePrice(plan[k].model.model, prices);
    if (!p.known) return null;
    return costUsd({ prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens_assumed }, p.price);
  });
}

/** The dry run's table: per stage rows, calls, tokens and cost, then the totals and where the prompts are. */
export function formatDryRun(
  reports: readonly DryRunStageReport[],
  lang: PromptLang,
  costs: readonly (number | null)[],
): string {
  const lines = [`dry run (prompt language: ${lang}); no endpoint was called`, ""];
  lines.push("stage              rows  calls  prompt tokens  reply tokens (assumed)  est. USD  how");
  let p = 0;
  let c = 0;
  let usd = 0;
  reports.forEach((r, k) => {
    p += r.prompt_tokens;
    c += r.completion_tokens_assumed;
    const cost = costs[k];
    usd += cost ?? 0;
    lines.push(
      `${r.stage.padEnd(17)} ${String(r.rows).padStart(5)} ${String(r.rows).padStart(6)} ${String(r.prompt_tokens).padStart(14)} ${String(r.completion_tokens_assumed).padStart(23)} ${(cost === null ? "?" : cost.toFixed(4)).padStart(9)}  ${r.exact ? `rendered (${r.files.length} prompts)` : "estimated, upper bound: every row survives"}`,
    );
  });
  const first = reports[0];
  const priced = costs.every((x) => x !== null);
  lines.push(
    "",
    `total: ~${p} prompt + ~${c} reply tokens (estimates: 1 token per CJK character, 1 per 4 other characters)`,
    priced
      ? `estimated cost: ~$${usd.toFixed(4)}`
      : "estimated cost: unknown for these models; give --price-input/--price-output (USD per 1M tokens) or --price-file",
  );
  if (first?.files.length) lines.push(`prompts written to ${dirname(first.files[0])}/ (e.g. ${first.files[0]})`);
  return `${lines.join("\n")}\n`;
}
