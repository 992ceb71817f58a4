import { DataError } from "../data/errors.js";
import type { ModelConfig } from "./config.js";
import { cutPrompt, inferSeqlen } from "./truncation.js";

/**
 * Rows that do not fit the model, checked up front for every row before any compute (`generate`, `logprobs`, and
 * in-process generation in `eval trace|ifeval --model DIR`): the engine computes rotary positions for any length,
 * so an over-long sequence would otherwise run past the model's trained positions silently, or exhaust memory after
 * minutes with no row named.
 *
 * The limit is the model's `max_position_embeddings`, or a smaller `--max-length`. What happens to a row over it is
 * the caller's policy (`--on-overlong`):
 *   skip      the row is left out of the output, with a warning naming file:line (default)
 *   truncate  the row is cut by the training rule (below), with a warning naming file:line
 *   error     nothing runs: a data error names the first such row (exit code 2)
 *
 * Truncation rule, the same as training's (src/model/truncation.ts):
 *   generation   the prompt keeps its start and the chat template's assistant header (keep_start); it is cut to
 *                limit - min(max_new_tokens, limit / 2) tokens, leaving that much room to generate
 *   scoring      prompt and response share the limit by LLaMA-Factory's infer_seqlen; the prompt is cut keep_start,
 *                the response keeps its first tokens
 * A prompt that fits but leaves less room than max_new_tokens is not over-long: its generation stops at the limit
 * (finish_reason "length"), which is counted and reported.
 */

export const OVERLONG_POLICIES = ["skip", "truncate", "error"] as const;
export type OverlongPolicy = (typeof OVERLONG_POLICIES)[number];
export const DEFAULT_OVERLONG_POLICY: OverlongPolicy = "skip";

/** The token limit of a run and what set it (for messages). */
export interface ContextLimit {
  tokens: number;
  source: string;
}

/** min(max_length, max_position_embeddings): a max_length above the model's positions cannot be used. */
export function contextLimit(config: Pick<ModelConfig, "max_position_embeddings">, maxLength?: number): ContextLimit {
  const positions = config.max_position_embeddings;
  if (maxLength !== undefined && maxLength < positions) return { tokens: maxLength, source: `max_length ${maxLength}` };
  return { tokens: positions, source: `the model's max_position_embeddings ${positions}` };
}

/** Where a row is, for messages: its file and 1-based line (or element, or a label such as a record id). */
export interface RowPlace {
  file: string;
  line?: number;
}

const placeText = (p: RowPlace) => (p.line === undefined ? p.file : `${p.file}:${p.line}`);

/** What the check did, for the summary line and the warnings. */
export interface FitReport {
  rows: number;
  truncated: number;
  skipped: number;
  /** Rows whose generation will stop at the limit before max_new_tokens (generation only). */
  capped: number;
  /** One line per over-long row (at most MAX_WARNINGS, then a count of the rest). */
  warnings: string[];
  limit: ContextLimit;
}

const MAX_WARNINGS = 20;

function newReport(rows: number, limit: ContextLimit): FitReport {
  return { rows, truncated: 0, skipped: 0, capped: 0, warnings: [], limit };
}

function warn(report: FitReport, line: string, total: number): void {
  if (report.warnings.length < MAX_WARNINGS) report.warnings.push(line);
  else if (report.warnings.length === MAX_WARNINGS)
    report.warnings.push(`... and ${total - MAX_WARNINGS} more row(s) over the limit`);
}

function overlongError(place: RowPlace, detail: string, count: number, limit: ContextLimit): DataError {
  const more = count > 1 ? ` (${count} rows in all are over the limit)` : "";
  return new DataError(
    place.file,
    place.line,
    undefined,
    `${detail}, over ${limit.source}${more}; skip or truncate such rows with --on-overlong skip|truncate`,
  );
}

/** One line for stderr after the check, or undefined when every row fits. */
export function describeFit(report: FitReport, what = "rows"): string | undefined {
  if (report.truncated + report.skipped + report.capped === 0) return undefined;
  const parts: string[] = [];
  if (report.skipped) parts.push(`${report.skipped} skipped (not in the output)`);
  if (report.truncated) parts.push(`${report.truncated} truncated (keep_start, template header kept)`);
  if (report.capped) parts.push(`${report.capped} will stop generating at the limit before max_new_tokens`);
  return `${report.rows} ${what} checked against ${report.limit.source}: ${parts.join(", ")}`;
}

export interface GenerationRow {
  /** The rendered generation prompt's tokens. */
  ids: Int32Array;
  /** How many of its last tokens the template wrote after the last message (kept by truncation). */
  suffix: () => number;
  place: RowPlace;
}

export interface GenerationFit {
  /** Per row: the prompt to generate from (cut if truncated), or undefined when skipped. */
  prompts: (Int32Array | undefined)[];
  /** Per row: the most tokens it may generate (max_new_tokens, or less where the limit comes first). */
  maxNewTokens: number[];
  report: FitReport;
}

/** Check generation prompts: a prompt fits when it leaves room for at least one new token. */
export function fitGeneration(
  rows: readonly GenerationRow[],
  limit: ContextLimit,
  maxNewTokens: number,
  policy: OverlongPolicy,
): GenerationFit {
  const report = newReport(rows.length, limit);
  const need = Math.min(maxNewTokens, 1);
  const over = rows.filter((r) => r.ids.length + need > limit.tokens);
  if (over.length > 0 && policy === "error") {
    const first = over[0];
    throw overlongError(
      first.place,
      `prompt of ${first.ids.length} tokens leaves no room to generate`,
      over.length,
      limit,
    );
  }
  const prompts: (Int32Array | undefined)[] = [];
  const caps: number[] = [];
  for (const row of rows) {
    const P = row.ids.length;
    if (P + need <= limit.tokens) {
      const cap = Math.min(maxNewTokens, limit.tokens - P);
      if (cap < maxNewTokens) report.capped++;
      prompts.push(row.ids);
      caps.push(cap);
      continue;
    }
    if (policy === "skip") {
      report.skipped++;
      warn(report, `${placeText(row.place)}: prompt of ${P} tokens is over ${limit.source}: skipped`, over.length);
      prompts.push(undefined);
      caps.push(0);
      continue;
    }
    const room = Math.min(maxNewTokens, Math.floor(limit.tokens / 2));
    const budget = limit.tokens - room;
    const cut = Int32Array.from(cutPrompt([...row.ids], budget, row.suffix(), "keep_start"));
    report.truncated++;
    warn(
      report,
      `${placeText(row.place)}: prompt of ${P} tokens is over ${limit.source}: truncated to ${cut.length} tokens`,
      over.length,
    );
    prompts.push(cut);
    caps.push(room);
  }
  return { prompts, maxNewTokens: caps, report };
}

export interface ScoringRow {
  /** Prompt tokens followed by response tokens. */
  ids: Int32Array;
  responseStart: number;
  suffix: () => number;
  place: RowPlace;
}

export interface ScoringFit {
  /** Per row: the sequence to score (cut if truncated), or undefined when skipped. */
  sequences: ({ ids: Int32Array; responseStart: number } | undefined)[];
  report: FitReport;
}

/** Check prompt + response sequences (log-probs): a sequence fits when it is at most the limit. */
export function fitScoring(rows: readonly ScoringRow[], limit: ContextLimit, policy: OverlongPolicy): ScoringFit {
  const report = newReport(rows.length, limit);
  const over = rows.filter((r) => r.ids.length > limit.tokens);
  if (over.length > 0 && policy === "error") {
    const first = over[0];
    throw overlongError(first.place, `prompt + response of ${first.ids.length} tokens`, over.length, limit);
  }
  const sequences = rows.map((row) => {
    const L = row.ids.length;
    if (L <= limit.tokens) return { ids: row.ids, responseStart: row.responseStart };
    if (policy === "skip") {
      report.skipped++;
      warn(
        report,
        `${placeText(row.place)}: prompt + response of ${L} tokens is over ${limit.source}: skipped`,
        over.length,
      );
      return undefined;
    }
    const prompt = [...row.ids.subarray(0, row.responseStart)];
    const response = [...row.ids.subarray(row.responseStart)];
    const [promptLen, responseLen] = inferSeqlen(prompt.length, response.length, limit.tokens);
    const cutP = cutPrompt(prompt, promptLen, prompt.length > promptLen ? row.suffix() : 0, "keep_start");
    const cutR = response.slice(0, responseLen);
    report.truncated++;
    warn(
      report,
      `${placeText(row.place)}: prompt + response of ${L} tokens is over ${limit.source}: truncated to ` +
        `${cutP.length} + ${cutR.length} tokens`,
      over.length,
    );
    return { ids: Int32Array.from([...cutP, ...cutR]), responseStart: cutP.length };
  });
  return { sequences, report };
}
