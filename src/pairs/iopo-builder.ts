import { instructionMessages } from "../data/instruction.js";
import type { IopoGroup } from "../data/schemas.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import { runFolderFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import { RESPOND } from "../trace/prompts/respond.js";
import { type EditedRow, editConstraintsStage, type X1Row, x1Messages } from "./edit-constraints.js";
import { pairJudgeStage } from "./judge-stage.js";
import { OPERATIONS } from "./operation.js";

/**
 * `pairs iopo`: IOPO groups <x1, y1, x2, y2> from TRACE records with a full-score response (appendix D):
 *   edit_constraints  x2 = x1 with constraints ADDed / DELETEd / REVISEd (operation drawn per group from the seed)
 *   respond_x2        y2 = the model's answer to x2
 *   judge_y2_x2       keep only when y2 satisfies every constraint of x2 (step 3)
 *   judge_y1_x2       rationality: y1 must fail at least one constraint of x2
 *   judge_y2_x1       rationality: y2 must fail at least one constraint of x1
 * Every verdict is stored with the group; failing groups go to rejects.jsonl with the stage and reason.
 * Output: DIR/iopo_groups.jsonl (docs/design.md, section 4), rejects.jsonl, summary.json, stages/, journal/.
 */

export interface GroupRow extends EditedRow {
  y2: string;
}

function x2Messages(row: EditedRow) {
  return instructionMessages(row.description, row.x2_constraints_splits, row.input);
}

export function respondX2Stage(): Stage<EditedRow, GroupRow> {
  return {
    name: "respond_x2",
    template: () => RESPOND,
    params: { temperature: 0.7, max_tokens: 4096 },
    request(row, ctx) {
      return { messages: x2Messages(row), ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<GroupRow> {
      if (text.trim() === "") return { kind: "parse_failure", detail: "empty response" };
      return { kind: "ok", row: { ...row, y2: text } };
    },
  };
}

export function iopoPlan(opts: PipelineOptions): StagePlan[] {
  const judge = opts.judgeModel ?? opts.model;
  const s = (stage: unknown, model = judge): StagePlan => ({ stage: stage as Stage<PipelineRow, PipelineRow>, model });
  return [
    s(editConstraintsStage(), opts.model),
    s(respondX2Stage(), opts.model),
    s(
      pairJudgeStage<GroupRow>({
        name: "judge_y2_x2",
        key: "y2_x2",
        expect: "comply",
        reason: "y2_not_full_score_on_x2",
        target: (r) => ({ messages: x2Messages(r), constraints: r.x2_constraints_splits, response: r.y2 }),
      }),
    ),
    s(
      pairJudgeStage<GroupRow>({
        name: "judge_y1_x2",
        key: "y1_x2",
        expect: "violate",
        reason: "y1_still_complies_with_x2",
        target: (r) => ({ messages: x2Messages(r), constraints: r.x2_constraints_splits, response: r.response }),
      }),
    ),
    s(
      pairJudgeStage<GroupRow>({
        name: "judge_y2_x1",
        key: "y2_x1",
        expect: "violate",
        reason: "y2_also_complies_with_x1",
        target: (r) => ({ messages: x1Messages(r), constraints: r.constraints_splits, response: r.y2 }),
      }),
    ),
  ];
}

/** The finished group as written to disk (IopoGroup: x as messages + structure; judge evidence; provenance). */
export function toIopoGroup(row: PipelineRow): IopoGroup & Record<string, unknown> {
  const r = row as GroupRow;
  const judge = (r.judge ?? {}) as Record<string, unknown>;
  return {
    id: r.id,
    x1: {
      messages: x1Messages(r),
      description: r.description,
      constraints_splits: r.constraints_splits,
      input: r.input,
    },
    y1: r.response,
    x2: {
      messages: x2Messages(r),
      description: r.description,
      constraints_splits: r.x2_constraints_splits,
      input: r.input,
    },
    y2: r.y2,
    operation: r.operation,
    edit_explain: r.edit_explain,
    judge: judge as IopoGroup["judge"],
    provenance: r.provenance,
  };
}

/** Operation mix of a set of groups (summary: the draw is uniform, acceptance may not be). */
export function operationMix(rows: readonly { operation?: string }[]): Record<string, number> {
  const mix: Record<string, number> = Object.fromEntries(OPERATIONS.map((o) => [`operation_${o}`, 0]));
  for (const r of rows) if (r.operation) mix[`operation_${r.operation}`]++;
  return mix;
}

export async function buildIopoGroups(records: X1Row[], opts: PipelineOptions): Promise<RunSummary> {
  return runStages(iopoPlan(opts), records, opts, runFolderFiles(opts.outputDir, "iopo_groups.jsonl"), toIopoGroup);
}
