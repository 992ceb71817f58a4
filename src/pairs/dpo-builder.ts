import { fillTemplate, type PromptTemplate } from "../llm/prompt-template.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import { runFolderFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import type { PromptLang } from "../taxonomy/render.js";
import { explainBlock, resultBlock } from "./constraint-list.js";
import { type X1Row, x1Messages } from "./edit-constraints.js";
import { pairJudgeStage, type StoredVerdict, scoreSum } from "./judge-stage.js";
import { WORSE_ANSWER_EN } from "./prompts/worse-answer.en.js";
import { WORSE_ANSWER_ZH } from "./prompts/worse-answer.zh.js";

/**
 * `pairs dpo`: DPO pairs from TRACE records with a full-score response y_win (appendix C):
 *   worse_answer     the model writes a response that complies worse with the constraints
 *   judge_rejected   the B.5 judge scores it; the pair is kept only when it really scores lower: at least one
 *                    constraint below 10 and, when y_win's scores are known, a lower score sum
 * Output: DIR/dpo_pairs.jsonl in TRL's explicit-prompt conversational format (prompt / chosen / rejected) with the
 * judge scores of both sides, plus rejects.jsonl, summary.json, stages/, journal/.
 */

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

export function dpoPlan(opts: PipelineOptions): StagePlan[] {
  const judge = opts.judgeModel ?? opts.model;
  return [
    { stage: worseAnswerStage() as unknown as Stage<PipelineRow, PipelineRow>, model: opts.model },
    {
      stage: pairJudgeStage<WorseRow>({
        name: "judge_rejected",
        key: "rejected",
        expect: "violate",
        reason: "worse_answer_still_complies",
        target: (r) => ({ messages: x1Messages(r), constraints: r.constraints_splits, response: r.rejected }),
        accept: (r, v) => {
          const chosen = scoreSum(chosenVerdict(r));
          const rejected = scoreSum(v);
          return chosen !== undefined && rejected !== undefined && rejected >= chosen
            ? "worse_answer_not_lower_score"
            : undefined;
        },
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
    worse_explain: r.worse_explain,
    provenance: r.provenance,
  };
}

export async function buildDpoPairs(records: X1Row[], opts: PipelineOptions): Promise<RunSummary> {
  return runStages(dpoPlan(opts), records, opts, runFolderFiles(opts.outputDir, "dpo_pairs.jsonl"), toDpoPair);
}
