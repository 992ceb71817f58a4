import { readJsonl } from "../data/jsonl.js";
import { fillTemplate, type PromptTemplate } from "../llm/prompt-template.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import { runFolderFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import type { PromptLang } from "../taxonomy/render.js";
import { writeFileAtomic } from "../util/atomic.js";
import { explainBlock, resultBlock } from "./constraint-list.js";
import { type X1Row, x1Messages } from "./edit-constraints.js";
import { pairJudgeStage, type StoredVerdict, scoreSum, verdictComplies } from "./judge-stage.js";
import { WORSE_ANSWER_EN } from "./prompts/worse-answer.en.js";
import { WORSE_ANSWER_ZH } from "./prompts/worse-answer.zh.js";

/**
 * `pairs dpo`: DPO pairs from TRACE records with a full-score response y_win (appendix C):
 *   worse_answer     the model writes a response that complies worse with the constraints (a reply identical to
 *                    y_win is not a pair and is rejected)
 *   judge_rejected   the B.5 judge scores it. Appendix C keeps every worse answer: by default (filter off) every
 *                    pair is kept and marked with what the filter would have done (`would_drop`); with
 *                    `filterWorse` (`--filter-worse`) a pair is kept only when the worse answer really scores
 *                    lower: at least one constraint below 10 and, when y_win's scores are known, a lower score sum
 * Output: DIR/dpo_pairs.jsonl in TRL's explicit-prompt conversational format (prompt / chosen / rejected) with the
 * judge scores of both sides, plus rejects.jsonl, summary.json, stages/, journal/.
 */

export interface DpoBuildOptions extends PipelineOptions {
  /** Drop pairs whose worse answer the judge does not score lower (not in the paper; default off). */
  filterWorse?: boolean;
}

/** Why the worse-answer filter drops a judged pair, or undefined when it keeps it. */
export function worseFilterReason(row: PipelineRow & { constraints_splits: string[] }, v: StoredVerdict) {
  if (verdictComplies(v, row.constraints_splits.length)) return "worse_answer_still_complies";
  const chosen = scoreSum(chosenVerdict(row));
  const rejected = scoreSum(v);
  return chosen !== undefined && rejected !== undefined && rejected >= chosen
    ? "worse_answer_not_lower_score"
    : undefined;
}

export interface WorseRow extends X1Row {
  rejected: string;
  worse_explain?: string;
}

export function worseTemplate(lang: PromptLang): PromptTemplate {
  return lang === "zh"
    ? { name: "worse_answer.zh", text: WORSE_ANSWER_ZH }
    : { name: "worse_answer.en", text: WORSE_ANSWER_EN };
}

export function worseAnswerStage(): Stage<X1Row, WorseRow> {
  return {
    name: "worse_answer",
    template: worseTemplate,
    params: { temperature: 0.7, max_tokens: 4096 },
    request(row, ctx) {
      const messages = x1Messages(row);
      const content = fillTemplate(worseTemplate(ctx.lang), {
        instruction: messages.filter((m) => m.role === "user").at(-1)?.content ?? "",
        constraints: row.constraints_splits.join("\n"),
        response: row.response,
      });
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<WorseRow> {
      const block = resultBlock(text);
      if (!block) return { kind: "parse_failure", detail: "no <result>...</result> in the reply" };
      if (block.trim() === row.response.trim()) return { kind: "reject", reason: "worse_answer_identical" };
      return { kind: "ok", row: { ...row, rejected: block, worse_explain: explainBlock(text) } };
    },
  };
}

/** The chosen response's verdict when the input record carried one (see `prepareRecords`). */
function chosenVerdict(row: PipelineRow): StoredVerdict | undefined {
  const j = (row.judge as Record<string, StoredVerdict> | undefined)?.chosen;
  return j && Array.isArray(j.scores) ? j : undefined;
}

export function dpoPlan(opts: DpoBuildOptions): StagePlan[] {
  const judge = opts.judgeModel ?? opts.model;
  const on = opts.filterWorse === true;
  return [
    { stage: worseAnswerStage() as unknown as Stage<PipelineRow, PipelineRow>, model: opts.model },
    {
      stage: pairJudgeStage<WorseRow>({
        name: "judge_rejected",
        key: "rejected",
        expect: on ? "violate" : "record",
        reason: "worse_answer_still_complies",
        target: (r) => ({ messages: x1Messages(r), constraints: r.constraints_splits, response: r.rejected }),
        accept: on ? (r, v) => worseFilterReason(r, v) : undefined,
        annotate: on ? undefined : (r, v) => ({ would_drop: worseFilterReason(r, v) ?? null }),
      }) as unknown as Stage<PipelineRow, PipelineRow>,
      model: judge,
    },
  ];
}

export function toDpoPair(row: PipelineRow): Record<string, unknown> {
  const r = row as WorseRow;
  const judged = (r.judge ?? {}) as Record<string, unknown>;
  return {
    id: r.id,
    prompt: x1Messages(r),
    chosen: [{ role: "assistant", content: r.response }],
    rejected: [{ role: "assistant", content: r.rejected }],
    constraints_splits: r.constraints_splits,
    judge: { chosen: judged.chosen ?? null, rejected: judged.rejected },
    ...("would_drop" in r ? { would_drop: r.would_drop } : {}),
    worse_explain: r.worse_explain,
    provenance: r.provenance,
  };
}

/**
 * What the worse-answer filter did or would do to a run's pairs: `worse_filter` 1 (on) or 0 (off), and per reason
 * the pairs it dropped (on: counted from the rejects) or would drop (off: counted from the kept pairs' would_drop).
 */
export function worseFilterCounts(
  on: boolean,
  pairs: readonly { would_drop?: unknown }[],
  rejects: readonly { reason?: string }[],
): Record<string, number> {
  const reasons = ["worse_answer_still_complies", "worse_answer_not_lower_score"];
  const out: Record<string, number> = { worse_filter: on ? 1 : 0 };
  for (const reason of reasons) {
    out[`worse_filter_${on ? "dropped" : "would_drop"}_${reason.replace("worse_answer_", "")}`] = on
      ? rejects.filter((r) => r.reason === reason).length
      : pairs.filter((p) => p.would_drop === reason).length;
  }
  return out;
}

/** Build the pairs into `opts.outputDir`; the summary also holds what the worse-answer filter did or would do. */
export async function buildDpoPairs(records: X1Row[], opts: DpoBuildOptions): Promise<RunSummary> {
  const files = runFolderFiles(opts.outputDir, "dpo_pairs.jsonl");
  const summary = await runStages(dpoPlan(opts), records, opts, files, toDpoPair);
  const read = (f: string) =>
    readJsonl(f, undefined, { allowEmpty: true }).map((r) => r.value as Record<string, unknown>);
  Object.assign(summary, worseFilterCounts(opts.filterWorse === true, read(files.final), read(files.rejects)));
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
