import type { ChatMessage } from "../data/schemas.js";
import { followedAllTen, parseTraceJudge } from "../judge/parse-trace-judge.js";
import { buildTraceJudgePrompt, traceJudgeTemplate } from "../judge/trace-judge.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";

/**
 * The B.5 response judge applied to one (instruction, response) combination of a preference row. Preference data
 * needs the judge in both directions:
 *  - `expect: "comply"`  keeps the row only when every constraint scores 10 (y2 on x2, appendix D step 3);
 *  - `expect: "violate"` keeps the row only when at least one constraint scores below 10 (the strict rationality
 *    check of appendix D: y1 on x2 and y2 on x1; the optional worse-answer filter of appendix C);
 *  - `expect: "record"` keeps every readable verdict and leaves the decision to `accept` (the group rationality
 *    check, which needs both cross verdicts; the DPO filter when it only reports what it would drop).
 * The parsed verdict is stored on the row under `judge[key]` either way, so the evidence travels with the data.
 */

export interface JudgeTarget {
  /** The instruction's chat messages (the judge reads the last user turn as the query). */
  messages: ChatMessage[];
  constraints: string[];
  response: string;
}

export interface StoredVerdict {
  scores: number[] | null;
  keys: string[] | null;
  overall: number | null;
  raw: string;
}

export interface PairJudgeOptions<Row extends PipelineRow> {
  /** Stage name: journals, rejects and summaries are keyed by it, so each direction needs its own. */
  name: string;
  /** Where the verdict is stored on the row (`judge.<key>`). */
  key: string;
  target: (row: Row) => JudgeTarget;
  expect: "comply" | "violate" | "record";
  /** Reject reason when the expectation fails. */
  reason: string;
  /**
   * Extra acceptance test after the expectation holds (e.g. the worse answer must score lower than the chosen):
   * a reject reason, or undefined to keep the row. It sees the row with this stage's verdict already stored.
   */
  accept?: (row: Row, verdict: StoredVerdict) => string | undefined;
  /** Fields to add to a kept row (e.g. what a reporting-only filter would have done), from the judged row. */
  annotate?: (row: Row, verdict: StoredVerdict) => Record<string, unknown>;
}

export function pairJudgeStage<Row extends PipelineRow>(opts: PairJudgeOptions<Row>): Stage<Row, Row> {
  return {
    name: opts.name,
    template: traceJudgeTemplate,
    params: { temperature: 0, top_p: 0.8, max_tokens: 2048 },
    request(row, ctx) {
      const t = opts.target(row);
      const query = t.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
      const content = buildTraceJudgePrompt({ query, constraints: t.constraints, response: t.response }, ctx.lang);
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<Row> {
      const n = opts.target(row).constraints.length;
      const p = parseTraceJudge(text, n);
      if (p.parse_error) return { kind: "parse_failure", detail: p.parse_error };
      const verdict: StoredVerdict = { scores: p.scores, keys: p.keys, overall: p.overall, raw: p.raw };
      const complies = followedAllTen(p, n);
      const judged = { ...row, judge: { ...((row.judge as object) ?? {}), [opts.key]: verdict } };
      if (opts.expect === "comply" && !complies) {
        return { kind: "reject", reason: opts.reason, detail: { scores: p.scores, overall: p.overall } };
      }
      if (opts.expect === "violate" && complies) {
        return { kind: "reject", reason: opts.reason, detail: { scores: p.scores, overall: p.overall } };
      }
      const extra = opts.accept?.(judged, verdict);
      if (extra) return { kind: "reject", reason: extra, detail: { scores: p.scores, overall: p.overall } };
      return { kind: "ok", row: opts.annotate ? { ...judged, ...opts.annotate(judged, verdict) } : judged };
    },
  };
}

/** Whether a stored verdict has every one of `n` constraints at 10 (the B.5 reading of "follows"). */
export function verdictComplies(v: StoredVerdict | undefined, n: number): boolean {
  return !!v?.scores && v.scores.length === n && v.scores.every((s) => s === 10);
}

/** Sum of per-constraint scores, or undefined when the verdict has none. */
export function scoreSum(v: { scores: number[] | null } | undefined): number | undefined {
  return v?.scores ? v.scores.reduce((a, b) => a + b, 0) : undefined;
}
