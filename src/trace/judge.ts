import { followedAllTen, parseTraceJudge } from "../judge/parse-trace-judge.js";
import { buildTraceJudgePrompt, traceJudgeTemplate } from "../judge/trace-judge.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import { messagesOf } from "./respond.js";

/**
 * Stage 5, response evaluation (appendix B.5): the judge scores each constraint 0-10; the item is kept only when
 * every constraint scores 10 (one score per constraint). The parsed verdict and the raw judge text stay on the row.
 */

export interface JudgedRow extends PipelineRow {
  response: string;
  judge: {
    scores: number[] | null;
    keys: string[] | null;
    overall: number | null;
    raw: string;
    parse_error?: string;
  };
}

/** The constraint lines of a row (TRACE `constraints_splits`, else the `constraints` text split by lines). */
export function constraintsOf(row: PipelineRow): string[] {
  if (Array.isArray(row.constraints_splits)) return row.constraints_splits as string[];
  if (typeof row.constraints === "string") return row.constraints.split("\n").filter((l) => l.trim() !== "");
  return [];
}

export function judgeStage(): Stage<PipelineRow, JudgedRow> {
  return {
    name: "judge",
    template: traceJudgeTemplate,
    params: { temperature: 0, top_p: 0.8, max_tokens: 2048 },
    request(row, ctx) {
      const messages = messagesOf(row);
      const query = messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
      const content = buildTraceJudgePrompt(
        { query, constraints: constraintsOf(row), response: String(row.response ?? "") },
        ctx.lang,
      );
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<JudgedRow> {
      const n = constraintsOf(row).length;
      const p = parseTraceJudge(text, n);
      const judge = { scores: p.scores, keys: p.keys, overall: p.overall, raw: p.raw };
      if (p.parse_error) return { kind: "parse_failure", detail: p.parse_error };
      if (!followedAllTen(p, n)) {
        return { kind: "reject", reason: "not_all_constraints_met", detail: { scores: p.scores, overall: p.overall } };
      }
      return { kind: "ok", row: { ...row, response: String(row.response ?? ""), judge } };
    },
  };
}
