import { join } from "node:path";
import { templateHash } from "../llm/prompt-template.js";
import type { ChatRequest } from "../llm/types.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { PipelineRow, Stage, StageContext } from "./stage.js";

/**
 * `--dry-run`: render the prompts a stage would send, without calling anything, and estimate tokens and cost.
 * Only the first stage of a chain can be rendered exactly (later prompts depend on earlier replies); the rest of
 * the chain is estimated from template sizes and assumed reply lengths, and says so.
 */

/** Rough token count: one per CJK character, one per 4 other characters (no tokenizer is assumed). */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (const ch of text) if (/[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/u.test(ch)) cjk++;
  return cjk + Math.ceil((text.length - cjk) / 4);
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
