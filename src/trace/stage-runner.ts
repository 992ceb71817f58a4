import { join } from "node:path";
import { JsonlJournal, readJournal } from "../data/jsonl.js";
import type { StageProvenance } from "../data/schemas.js";
import type { ChatModel, ChatRequest, TokenUsage } from "../llm/types.js";
import { canonicalJson, shortHash } from "../util/hash.js";
import type { Progress } from "../util/progress.js";
import { templateHash } from "./prompts/template.js";
import type { PipelineRow, RejectRow, Stage, StageContext } from "./stage.js";

/**
 * Runs one stage over all rows, resumably.
 *
 * Every finished call is appended (fsynced) to a journal `DIR/<stage>.<signature>.jsonl` holding the row id, the
 * hash of the exact request, and the raw reply with its token counts. A rerun replays the journal: rows whose
 * request is already there are not called again, and their replies are parsed exactly as the first time, so a run
 * killed at any point and resumed produces the same output as an uninterrupted one. The signature (stage, template
 * hash, model, sampling parameters) names the journal, so changing any of them starts a fresh journal.
 *
 * Output order is the input order, whatever the completion order. Failed calls (after the LLM layer's retries)
 * are never journaled, so a rerun tries them again.
 */

export interface RunStageOptions<In extends PipelineRow, Out extends PipelineRow> {
  stage: Stage<In, Out>;
  rows: readonly In[];
  model: ChatModel;
  ctx: StageContext;
  /** Folder for the stage journals. */
  journalDir: string;
  concurrency?: number;
  progress?: Progress;
  /** Stop the whole stage at the first failed call (default: record it as a reject and go on). */
  failFast?: boolean;
  /** Errors that must stop the run rather than reject one row (e.g. budget exhausted, bad configuration). */
  isFatal?: (err: unknown) => boolean;
  /** Estimated cost in USD of one call's usage, for progress and the summary. */
  costOf?: (usage: TokenUsage) => number;
}

export interface StageSummary {
  stage: string;
  signature: string;
  template_hash: string;
  model: string;
  rows_in: number;
  rows_out: number;
  rejected: number;
  parse_failures: number;
  call_failures: number;
  /** Rows answered from this stage's journal (finished before an interruption). */
  resumed: number;
  /** Calls made in this invocation (including ones the response cache answered). */
  calls: number;
  cached: number;
  prompt_tokens: number;
  completion_tokens: number;
  est_cost_usd: number;
  /** Rejections per reason. */
  reasons: Record<string, number>;
}

export interface StageResult<Out extends PipelineRow> {
  kept: Out[];
  rejects: RejectRow[];
  summary: StageSummary;
}

interface JournalEntry {
  id: string;
  request_hash: string;
  model: string;
  text: string;
  prompt_tokens: number;
  completion_tokens: number;
}

/** Stage signature: what makes two runs of a stage interchangeable. */
export function stageSignature(stage: Stage<PipelineRow, PipelineRow>, model: ChatModel, ctx: StageContext): string {
  return shortHash(
    canonicalJson({
      stage: stage.name,
      template: templateHash(stage.template(ctx.lang)),
      model: model.id,
      params: stage.params,
      lang: ctx.lang,
    }),
  );
}

export function requestHash(request: ChatRequest): string {
  return shortHash(canonicalJson(request), 16);
}

export async function runStage<In extends PipelineRow, Out extends PipelineRow>(
  opts: RunStageOptions<In, Out>,
): Promise<StageResult<Out>> {
  const { stage, rows, model, ctx } = opts;
  const anyStage = stage as unknown as Stage<PipelineRow, PipelineRow>;
  const signature = stageSignature(anyStage, model, ctx);
  const tHash = templateHash(stage.template(ctx.lang));
  const journalFile = join(opts.journalDir, `${stage.name}.${signature}.jsonl`);

  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) throw new Error(`stage ${stage.name}: duplicate row id ${JSON.stringify(r.id)}`);
    seen.add(r.id);
  }

  const done = new Map<string, JournalEntry>();
  for (const e of readJournal<JournalEntry>(journalFile)) done.set(`${e.id}\u0000${e.request_hash}`, e);

  const requests = rows.map((r) => stage.request(r, ctx));
  const hashes = requests.map(requestHash);
  const entries: (JournalEntry | undefined)[] = rows.map((r, i) => done.get(`${r.id}\u0000${hashes[i]}`));
  const failures = new Map<number, string>();
  const resumed = entries.filter(Boolean).length;

  const summary: StageSummary = {
    stage: stage.name,
    signature,
    template_hash: tHash,
    model: model.model,
    rows_in: rows.length,
    rows_out: 0,
    rejected: 0,
    parse_failures: 0,
    call_failures: 0,
    resumed,
    calls: 0,
    cached: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    est_cost_usd: 0,
    reasons: {},
  };
  // Resumed rows count towards the stage's tokens and cost, so a resumed run reports what the whole job used.
  for (const e of entries) if (e) addUsage(summary, e, opts.costOf);

  const task = opts.progress?.start(stage.name, rows.length, resumed);
  task?.count({
    prompt_tokens: summary.prompt_tokens,
    completion_tokens: summary.completion_tokens,
    est_cost_usd: summary.est_cost_usd,
  });

  const todo = rows.map((_, i) => i).filter((i) => !entries[i]);
  const journal = todo.length > 0 ? new JsonlJournal(journalFile, { syncEveryMs: 200 }) : undefined;
  // One controller per call (not one run-wide signal: layers below add a listener per call and never remove it).
  const inFlight = new Set<AbortController>();
  let fatal: unknown;
  let next = 0;
  const worker = async () => {
    while (next < todo.length && fatal === undefined) {
      const i = todo[next++];
      const abort = new AbortController();
      inFlight.add(abort);
      try {
        const res = await model.chat(requests[i], { signal: abort.signal, templateHash: tHash, stage: stage.name });
        const entry: JournalEntry = {
          id: rows[i].id,
          request_hash: hashes[i],
          model: res.model || model.model,
          text: res.text,
          prompt_tokens: res.usage?.prompt_tokens ?? 0,
          completion_tokens: res.usage?.completion_tokens ?? 0,
        };
        journal?.append(entry);
        entries[i] = entry;
        summary.calls++;
        if (res.cached) summary.cached++;
        const cost = addUsage(summary, entry, opts.costOf);
        task?.advance(1, {
          calls: 1,
          cached: res.cached ? 1 : 0,
          prompt_tokens: entry.prompt_tokens,
          completion_tokens: entry.completion_tokens,
          est_cost_usd: cost,
        });
      } catch (err) {
        if (opts.failFast || opts.isFatal?.(err)) {
          fatal ??= err;
          for (const c of inFlight) c.abort();
          return;
        }
        failures.set(i, err instanceof Error ? err.message : String(err));
        task?.advance(1, { call_failures: 1 });
      } finally {
        inFlight.delete(abort);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, todo.length)) }, worker));
  } finally {
    journal?.close();
    task?.finish();
  }
  if (fatal !== undefined) throw fatal;

  // Assemble in input order.
  const kept: Out[] = [];
  const rejects: RejectRow[] = [];
  const reject = (r: Omit<RejectRow, "stage">) => {
    rejects.push({ ...r, stage: stage.name });
    summary.rejected++;
    summary.reasons[r.reason] = (summary.reasons[r.reason] ?? 0) + 1;
  };
  rows.forEach((row, i) => {
    const e = entries[i];
    if (!e) {
      summary.call_failures++;
      reject({ id: row.id, reason: "call_failed", detail: failures.get(i), row });
      return;
    }
    const provenance: StageProvenance = {
      model: e.model,
      template_hash: tHash,
      raw_output: e.text,
      prompt_tokens: e.prompt_tokens,
      completion_tokens: e.completion_tokens,
    };
    let outcome: ReturnType<typeof stage.parse>;
    try {
      outcome = stage.parse(e.text, row, ctx);
    } catch (err) {
      outcome = { kind: "parse_failure", detail: `parser error: ${(err as Error).message}` };
    }
    if (outcome.kind === "ok") {
      kept.push({ ...outcome.row, provenance: { ...row.provenance, [stage.name]: provenance } });
      summary.rows_out++;
    } else if (outcome.kind === "parse_failure") {
      summary.parse_failures++;
      reject({ id: row.id, reason: "parse_failure", detail: outcome.detail, raw_output: e.text, row });
    } else {
      reject({ id: row.id, reason: outcome.reason, detail: outcome.detail, raw_output: e.text, row });
    }
  });
  return { kept, rejects, summary };
}

function addUsage(summary: StageSummary, e: JournalEntry, costOf?: (u: TokenUsage) => number): number {
  summary.prompt_tokens += e.prompt_tokens;
  summary.completion_tokens += e.completion_tokens;
  const cost = costOf ? costOf({ prompt_tokens: e.prompt_tokens, completion_tokens: e.completion_tokens }) : 0;
  summary.est_cost_usd += cost;
  return cost;
}
