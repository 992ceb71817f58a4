import { instructionMessages } from "../data/instruction.js";
import { readJsonl } from "../data/jsonl.js";
import type { IopoGroup } from "../data/schemas.js";
import { type PipelineOptions, type RunSummary, runStages, type StagePlan } from "../stages/pipeline.js";
import { runFolderFiles } from "../stages/run-files.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import { RESPOND } from "../trace/prompts/respond.js";
import { writeFileAtomic } from "../util/atomic.js";
import { type EditedRow, editConstraintsStage, type X1Row, x1Messages } from "./edit-constraints.js";
import { pairJudgeStage, type StoredVerdict, verdictComplies } from "./judge-stage.js";
import { OPERATIONS } from "./operation.js";

/**
 * `pairs iopo`: IOPO groups <x1, y1, x2, y2> from TRACE records with a full-score response (appendix D):
 *   edit_constraints  x2 = x1 with constraints ADDed / DELETEd / REVISEd (operation drawn per group from the seed;
 *                     the edit must be that operation and nothing else)
 *   respond_x2        y2 = the model's answer to x2
 *   judge_y2_x2       keep only when y2 satisfies every constraint of x2 (step 3)
 *   judge_y1_x2       rationality: does y1 fail x2 (the cross pair (x2, y1))?
 *   judge_y2_x1       rationality: does y2 fail x1 (the cross pair (x1, y2))?
 * The rationality check has two readings (`rationality`):
 *   group (default)  the paper's group preference G1 = {(x1,y1),(x2,y2)} over G2 = {(x1,y2),(x2,y1)} (eq. 6) holds
 *                    when both matched pairs comply and at least one cross pair fails: a pure ADD group (y2 also
 *                    meets x1) and a pure DELETE group (y1 also meets x2) are kept;
 *   strict           both cross pairs must fail (y1 fails x2 and y2 fails x1).
 * Which cross pairs fail is stored with the group (`rationality`); every verdict is stored too; failing groups go
 * to rejects.jsonl with the stage and reason.
 * Output: DIR/iopo_groups.jsonl (docs/design.md, section 4), rejects.jsonl, summary.json, stages/, journal/.
 */

export const RATIONALITY_MODES = ["group", "strict"] as const;
export type RationalityMode = (typeof RATIONALITY_MODES)[number];

export interface IopoBuildOptions extends PipelineOptions {
  /** How the rationality check reads the cross pairs (default group, the paper's eq. 6). */
  rationality?: RationalityMode;
}

/** Which cross pairs of a group fail, as stored with the group and counted in the summary. */
export interface Rationality {
  mode: RationalityMode;
  /** y1 fails at least one constraint of x2. */
  x2_y1_fails: boolean;
  /** y2 fails at least one constraint of x1. */
  x1_y2_fails: boolean;
}

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

export function iopoPlan(opts: IopoBuildOptions): StagePlan[] {
  const judge = opts.judgeModel ?? opts.model;
  const mode = opts.rationality ?? "group";
  const s = (stage: unknown, model = judge): StagePlan => ({ stage: stage as Stage<PipelineRow, PipelineRow>, model });
  const verdicts = (r: GroupRow) => (r.judge ?? {}) as Record<string, StoredVerdict | undefined>;
  const rationality = (r: GroupRow): Rationality => ({
    mode,
    x2_y1_fails: !verdictComplies(verdicts(r).y1_x2, r.x2_constraints_splits.length),
    x1_y2_fails: !verdictComplies(verdicts(r).y2_x1, r.constraints_splits.length),
  });
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
        // group: a y1 that still meets x2 may be made up for by y2 failing x1, decided after both verdicts
        expect: mode === "strict" ? "violate" : "record",
        reason: "y1_still_complies_with_x2",
        target: (r) => ({ messages: x2Messages(r), constraints: r.x2_constraints_splits, response: r.response }),
      }),
    ),
    s(
      pairJudgeStage<GroupRow>({
        name: "judge_y2_x1",
        key: "y2_x1",
        expect: mode === "strict" ? "violate" : "record",
        reason: "y2_also_complies_with_x1",
        target: (r) => ({ messages: x1Messages(r), constraints: r.constraints_splits, response: r.y2 }),
        accept: (r) => {
          const x = rationality(r);
          return x.x2_y1_fails || x.x1_y2_fails ? undefined : "no_cross_pair_fails";
        },
        annotate: (r) => ({ rationality: rationality(r) }),
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
    rationality: r.rationality,
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

/** The cross-pair failure patterns, in display order. */
export const CROSS_PATTERNS = ["both", "x2_y1_only", "x1_y2_only"] as const;
export type CrossPattern = (typeof CROSS_PATTERNS)[number];

/** Which cross pairs of a kept group fail: both, only (x2, y1), or only (x1, y2). */
export function crossPattern(r: Pick<Rationality, "x2_y1_fails" | "x1_y2_fails">): CrossPattern | undefined {
  if (r.x2_y1_fails && r.x1_y2_fails) return "both";
  if (r.x2_y1_fails) return "x2_y1_only";
  if (r.x1_y2_fails) return "x1_y2_only";
  return undefined;
}

/**
 * The cross-pair failure pattern of kept groups, overall and per operation: `cross_both`, `cross_x2_y1_only`,
 * `cross_x1_y2_only`, and `<operation>_cross_<pattern>` (e.g. add_cross_x2_y1_only: a pure ADD group whose y2
 * also meets x1). Groups without a stored `rationality` (older files) are not counted.
 */
export function crossPairMix(rows: readonly { operation?: string; rationality?: unknown }[]): Record<string, number> {
  const mix: Record<string, number> = Object.fromEntries(CROSS_PATTERNS.map((p) => [`cross_${p}`, 0]));
  for (const o of OPERATIONS) for (const p of CROSS_PATTERNS) mix[`${o}_cross_${p}`] = 0;
  for (const r of rows) {
    const x = r.rationality as Rationality | undefined;
    const p = x && crossPattern(x);
    if (!p) continue;
    mix[`cross_${p}`]++;
    if (r.operation) mix[`${r.operation}_cross_${p}`]++;
  }
  return mix;
}

/** Operation x cross-pattern table of kept groups, as text lines (summaries of `pairs iopo` and the demo). */
export function formatGroupMix(rows: readonly { operation?: string; rationality?: unknown }[]): string[] {
  const ops = operationMix(rows);
  const cross = crossPairMix(rows);
  const labels: Record<CrossPattern, string> = {
    both: "both fail",
    x2_y1_only: "(x2,y1) only",
    x1_y2_only: "(x1,y2) only",
  };
  const cells = (get: (p: CrossPattern) => number) => CROSS_PATTERNS.map((p) => String(get(p)).padStart(14)).join("");
  return [
    "kept groups by operation and by the cross pairs that fail ((x2,y1): y1 fails x2; (x1,y2): y2 fails x1)",
    `${"operation".padEnd(10)}${"kept".padStart(6)}${CROSS_PATTERNS.map((p) => labels[p].padStart(14)).join("")}`,
    ...OPERATIONS.map(
      (o) => `${o.padEnd(10)}${String(ops[`operation_${o}`]).padStart(6)}${cells((p) => cross[`${o}_cross_${p}`])}`,
    ),
    `${"all".padEnd(10)}${String(rows.length).padStart(6)}${cells((p) => cross[`cross_${p}`])}`,
  ];
}

/**
 * Build the groups into `opts.outputDir`; the summary (returned and in summary.json) also holds the operation mix
 * and the cross-pair failure pattern of the kept groups (operationMix, crossPairMix).
 */
export async function buildIopoGroups(records: X1Row[], opts: IopoBuildOptions): Promise<RunSummary> {
  const files = runFolderFiles(opts.outputDir, "iopo_groups.jsonl");
  const summary = await runStages(iopoPlan(opts), records, opts, files, toIopoGroup);
  const groups = readJsonl(files.final, undefined, { allowEmpty: true }).map((r) => r.value as IopoGroup);
  Object.assign(summary, operationMix(groups), crossPairMix(groups));
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
