import { join } from "node:path";
import { JsonlJournal, readJournal } from "../data/jsonl.js";
import type { StageProvenance } from "../data/schemas.js";
import { isPromptTooLong } from "../llm/prompt-limit.js";
import { templateHash } from "../llm/prompt-template.js";
import type { ChatModel, ChatRequest, ChatResponse, TokenUsage } from "../llm/types.js";
import { canonicalJson, shortHash } from "../util/hash.js";
import type { Progress, Task } from "../util/progress.js";
import type { PipelineRow, RejectRow, Stage, StageContext, StageOutcome } from "./stage.js";

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
  /**
   * Estimated cost in USD of one call's usage, for progress and the summary; undefined when the model has no known
   * price (the summary then reports the cost as unknown, never as $0).
   */
  costOf?: (usage: TokenUsage) => number | undefined;
  /**
   * Re-asks after an unreadable reply (default 0, as in the paper): the bad reply is shown back to the model with
   * a request to answer again in the required format. Every attempt is journaled; the last one decides.
   */
  parseRetries?: number;
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
  /** Rows whose request the size guard refused (--max-prompt-tokens): nothing was sent for them. */
  prompt_too_long: number;
  /** Rows answered from this stage's journal (finished before an interruption). */
  resumed: number;
  /** Calls made in this invocation (including ones the response cache answered). */
  calls: number;
  cached: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Estimated USD of the calls whose model has a known price. */
  est_cost_usd: number;
  /** Calls whose model has no known price (their cost is unknown, so the stage's cost is too when this is > 0). */
  unpriced_calls: number;
  /** Stage-specific counts reported by the stage's parser (e.g. structure: unrecognised dimension tags). */
  counters?: Record<string, number>;
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
  /** 0 for the first call of a row, k for its k-th re-ask after an unreadable reply. */
  attempt?: number;
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

/** The re-ask after an unreadable reply: the conversation so far, the bad reply, and a request to fix the format. */
export function reaskRequest(request: ChatRequest, badReply: string, detail: string): ChatRequest {
  return {
    ...request,
    messages: [
      ...request.messages,
      { role: "assistant", content: badReply },
      {
        role: "user",
        content: `Your reply could not be read (${detail}). Answer again, following the required output format exactly.`,
      },
    ],
  };
}

export async function runStage<In extends PipelineRow, Out extends PipelineRow>(
  opts: RunStageOptions<In, Out>,
): Promise<StageResult<Out>> {
  assertUniqueIds(opts.stage.name, opts.rows);
  const run = planRun(opts);
  resumeFromJournal(run);
  const task = startProgress(run);
  const unanswered = await callUnfinishedRows(run, task);
  return assembleResults(run, unanswered);
}

/** One invocation of a stage: what identifies it, each row's request, and every reply so far (journaled or new). */
interface StageRun<In extends PipelineRow, Out extends PipelineRow> {
  opts: RunStageOptions<In, Out>;
  templateHash: string;
  journalFile: string;
  requests: ChatRequest[];
  requestHashes: string[];
  /** Per row, its replies in attempt order (0 = the first call, k = the k-th re-ask after an unreadable reply). */
  attempts: JournalEntry[][];
  /** Re-asks allowed per row after an unreadable reply. */
  retries: number;
  summary: StageSummary;
}

function assertUniqueIds(stage: string, rows: readonly PipelineRow[]): void {
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) throw new Error(`stage ${stage}: duplicate row id ${JSON.stringify(r.id)}`);
    seen.add(r.id);
  }
}

/** The stage's signature and journal file, and the request (with its hash) of every row. No call, no I/O. */
function planRun<In extends PipelineRow, Out extends PipelineRow>(opts: RunStageOptions<In, Out>): StageRun<In, Out> {
  const { stage, rows, model, ctx } = opts;
  const signature = stageSignature(stage as unknown as Stage<PipelineRow, PipelineRow>, model, ctx);
  const tHash = templateHash(stage.template(ctx.lang));
  const requests = rows.map((r) => stage.request(r, ctx));
  return {
    opts,
    templateHash: tHash,
    journalFile: join(opts.journalDir, `${stage.name}.${signature}.jsonl`),
    requests,
    requestHashes: requests.map(requestHash),
    attempts: rows.map(() => []),
    retries: Math.max(0, opts.parseRetries ?? 0),
    summary: {
      stage: stage.name,
      signature,
      template_hash: tHash,
      model: model.model,
      rows_in: rows.length,
      rows_out: 0,
      rejected: 0,
      parse_failures: 0,
      call_failures: 0,
      prompt_too_long: 0,
      resumed: 0,
      calls: 0,
      cached: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      est_cost_usd: 0,
      unpriced_calls: 0,
      reasons: {},
    },
  };
}

/**
 * Replay the journal: each row gets the replies journaled for its exact request. Rows it finishes count as resumed,
 * and all journaled calls count towards the stage's tokens and cost, so a resumed run reports what the whole job used.
 */
function resumeFromJournal(run: StageRun<PipelineRow, PipelineRow>): void {
  const done = new Map<string, JournalEntry[]>();
  for (const e of readJournal<JournalEntry>(run.journalFile)) {
    const key = `${e.id}\u0000${e.request_hash}`;
    const list = done.get(key) ?? [];
    // Keep attempts 0, 1, 2... in order; a duplicate attempt (impossible unless the file was edited) is ignored.
    if ((e.attempt ?? 0) === list.length) list.push(e);
    done.set(key, list);
  }
  run.attempts = run.opts.rows.map((r, i) => done.get(`${r.id}\u0000${run.requestHashes[i]}`) ?? []);
  run.summary.resumed = run.opts.rows.filter((_, i) => isFinished(run, i)).length;
  for (const list of run.attempts) for (const e of list) addUsage(run.summary, e, run.opts.costOf);
}

/** The stage's progress task, starting at the resumed rows and the journaled usage. */
function startProgress(run: StageRun<PipelineRow, PipelineRow>): Task | undefined {
  const { summary } = run;
  const task = run.opts.progress?.start(summary.stage, summary.rows_in, summary.resumed);
  task?.count({
    prompt_tokens: summary.prompt_tokens,
    completion_tokens: summary.completion_tokens,
    est_cost_usd: summary.est_cost_usd,
  });
  return task;
}

/** Parse a reply of row `i`; a parser that throws counts as an unreadable reply. */
function parseReply<In extends PipelineRow, Out extends PipelineRow>(
  run: StageRun<In, Out>,
  i: number,
  text: string,
): StageOutcome<Out> {
  const { stage, rows, ctx } = run.opts;
  try {
    return stage.parse(text, rows[i], ctx);
  } catch (err) {
    return { kind: "parse_failure", detail: `parser error: ${(err as Error).message}` };
  }
}

/** A row is finished when its last reply was readable, or it has used up its re-asks. */
function isFinished(run: StageRun<PipelineRow, PipelineRow>, i: number): boolean {
  const list = run.attempts[i];
  if (list.length === 0) return false;
  return list.length > run.retries || parseReply(run, i, list[list.length - 1].text).kind !== "parse_failure";
}

/**
 * Call the model for every unfinished row, `concurrency` rows at a time, re-asking after unreadable replies until
 * each row is finished. Returns the rows whose call failed (with the error); a fatal error (or any failure under
 * `failFast`) aborts the calls in flight and is thrown once the workers have stopped.
 */
async function callUnfinishedRows(run: StageRun<PipelineRow, PipelineRow>, task?: Task): Promise<Unanswered> {
  const { opts } = run;
  const todo = opts.rows.map((_, i) => i).filter((i) => !isFinished(run, i));
  const journal = todo.length > 0 ? new JsonlJournal(run.journalFile, { syncEveryMs: 200 }) : undefined;
  // One controller per call (not one run-wide signal: layers below add a listener per call and never remove it).
  const inFlight = new Set<AbortController>();
  const failures = new Map<number, string>();
  const tooLong = new Map<number, string>();
  let fatal: unknown;
  let next = 0;
  const worker = async () => {
    while (next < todo.length && fatal === undefined) {
      const i = todo[next++];
      try {
        do await callOnce(run, i, inFlight, journal, task);
        while (!isFinished(run, i) && fatal === undefined);
        task?.advance(1);
      } catch (err) {
        if (isPromptTooLong(err)) {
          // Refused before sending (a rerun refuses it again): a reject on its own, not a failed call.
          tooLong.set(i, err.message);
          task?.advance(1, { prompt_too_long: 1 });
          continue;
        }
        if (opts.failFast || opts.isFatal?.(err)) {
          fatal ??= err;
          for (const c of inFlight) c.abort();
          return;
        }
        failures.set(i, err instanceof Error ? err.message : String(err));
        task?.advance(1, { call_failures: 1 });
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
  return { failures, tooLong };
}

/** Rows left without a deciding reply: their call failed, or the size guard refused it (each with the message). */
interface Unanswered {
  failures: Map<number, string>;
  tooLong: Map<number, string>;
}

/** One call for row `i`: its request, or a re-ask showing its last unreadable reply. The reply is then recorded. */
async function callOnce(
  run: StageRun<PipelineRow, PipelineRow>,
  i: number,
  inFlight: Set<AbortController>,
  journal: JsonlJournal | undefined,
  task: Task | undefined,
): Promise<void> {
  const { stage, model } = run.opts;
  const last = run.attempts[i].at(-1);
  const request = last
    ? reaskRequest(run.requests[i], last.text, describeFailure(parseReply(run, i, last.text)))
    : run.requests[i];
  const abort = new AbortController();
  inFlight.add(abort);
  try {
    const res = await model.chat(request, { signal: abort.signal, templateHash: run.templateHash, stage: stage.name });
    recordReply(run, i, res, journal, task);
  } finally {
    inFlight.delete(abort);
  }
}

/** Journal a reply as row `i`'s next attempt and count its call, cache hit and usage. */
function recordReply(
  run: StageRun<PipelineRow, PipelineRow>,
  i: number,
  res: ChatResponse,
  journal: JsonlJournal | undefined,
  task: Task | undefined,
): void {
  const { summary } = run;
  const list = run.attempts[i];
  const entry: JournalEntry = {
    id: run.opts.rows[i].id,
    request_hash: run.requestHashes[i],
    ...(list.length > 0 ? { attempt: list.length } : {}),
    model: res.model || run.opts.model.model,
    text: res.text,
    prompt_tokens: res.usage?.prompt_tokens ?? 0,
    completion_tokens: res.usage?.completion_tokens ?? 0,
  };
  journal?.append(entry);
  list.push(entry);
  summary.calls++;
  if (res.cached) summary.cached++;
  const cost = addUsage(summary, entry, run.opts.costOf);
  task?.count({
    calls: 1,
    cached: res.cached ? 1 : 0,
    reasks: list.length > 1 ? 1 : 0,
    prompt_tokens: entry.prompt_tokens,
    completion_tokens: entry.completion_tokens,
    est_cost_usd: cost,
  });
}

/** In input order: each row's last reply decides whether it is kept (with its provenance) or rejected, and why. */
function assembleResults<In extends PipelineRow, Out extends PipelineRow>(
  run: StageRun<In, Out>,
  { failures, tooLong }: Unanswered,
): StageResult<Out> {
  const { summary } = run;
  const stageName = run.opts.stage.name;
  const kept: Out[] = [];
  const rejects: RejectRow[] = [];
  const reject = (r: Omit<RejectRow, "stage">) => {
    rejects.push({ ...r, stage: stageName });
    summary.rejected++;
    summary.reasons[r.reason] = (summary.reasons[r.reason] ?? 0) + 1;
  };
  run.opts.rows.forEach((row, i) => {
    const list = run.attempts[i];
    const e = list[list.length - 1];
    if (!isFinished(run, i) && tooLong.has(i)) {
      summary.prompt_too_long++;
      reject({ id: row.id, reason: "prompt_too_long", detail: tooLong.get(i), row });
      return;
    }
    if (!e || (!isFinished(run, i) && failures.has(i))) {
      summary.call_failures++;
      reject({ id: row.id, reason: "call_failed", detail: failures.get(i), row });
      return;
    }
    const outcome = parseReply(run, i, e.text);
    if (outcome.kind === "ok") {
      kept.push({ ...outcome.row, provenance: { ...row.provenance, [stageName]: provenanceOf(run, list) } });
      summary.rows_out++;
      for (const [k, v] of Object.entries(outcome.counters ?? {})) {
        summary.counters ??= {};
        summary.counters[k] = (summary.counters[k] ?? 0) + v;
      }
    } else if (outcome.kind === "parse_failure") {
      summary.parse_failures++;
      const detail = list.length > 1 ? `${outcome.detail} (after ${list.length} attempts)` : outcome.detail;
      reject({ id: row.id, reason: "parse_failure", detail, raw_output: e.text, row });
    } else {
      reject({ id: row.id, reason: outcome.reason, detail: outcome.detail, raw_output: e.text, row });
    }
  });
  return { kept, rejects, summary };
}

/** A kept row's provenance for this stage: the deciding reply, and the tokens of all its attempts (re-asks included). */
function provenanceOf(run: StageRun<PipelineRow, PipelineRow>, list: JournalEntry[]): StageProvenance {
  const e = list[list.length - 1];
  return {
    model: e.model,
    template_hash: run.templateHash,
    raw_output: e.text,
    prompt_tokens: list.reduce((a, x) => a + x.prompt_tokens, 0),
    completion_tokens: list.reduce((a, x) => a + x.completion_tokens, 0),
    ...(list.length > 1 ? { attempts: list.length } : {}),
  };
}

function describeFailure(outcome: { kind: string; detail?: unknown }): string {
  return typeof outcome.detail === "string" ? outcome.detail : "unreadable reply";
}

function addUsage(summary: StageSummary, e: JournalEntry, costOf?: (u: TokenUsage) => number | undefined): number {
  summary.prompt_tokens += e.prompt_tokens;
  summary.completion_tokens += e.completion_tokens;
  const cost = costOf ? costOf({ prompt_tokens: e.prompt_tokens, completion_tokens: e.completion_tokens }) : 0;
  if (cost === undefined) {
    summary.unpriced_calls++;
    return 0;
  }
  summary.est_cost_usd += cost;
  return cost;
}
