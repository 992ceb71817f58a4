import { instructionMessages } from "../data/instruction.js";
import type { ChatMessage } from "../data/schemas.js";
import { fillTemplate, type PromptTemplate } from "../llm/prompt-template.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import type { PromptLang } from "../taxonomy/render.js";
import { explainBlock, parseConstraintList, resultBlock, stripNumber } from "./constraint-list.js";
import { chooseOperation, type Operation } from "./operation.js";
import { EDIT_CONSTRAINTS_EN, OPERATION_RULES_EN } from "./prompts/edit-constraints.en.js";
import { EDIT_CONSTRAINTS_ZH, OPERATION_RULES_ZH } from "./prompts/edit-constraints.zh.js";

/**
 * Appendix D step 1: x2 = x1's description + edited constraints + x1's input, with the operation (ADD / DELETE /
 * REVISE) drawn per group from the seed. ADD and REVISE are meant to make y1 non-compliant; DELETE only removes
 * items. Whether the group carries a preference is checked later by the judge (rationality check); here the edit
 * is checked to be the operation it claims to be (invalidEdit), so that a DELETE group never also revises.
 */

/** A TRACE record entering IOPO construction: structured x1 and its full-score response y1. */
export interface X1Row extends PipelineRow {
  description: string;
  constraints_splits: string[];
  input: string;
  messages?: ChatMessage[];
  response: string;
}

export interface EditedRow extends X1Row {
  operation: Operation;
  x2_constraints_splits: string[];
  edit_explain?: string;
}

export function editTemplate(lang: PromptLang): PromptTemplate {
  return lang === "zh"
    ? { name: "edit_constraints.zh", text: EDIT_CONSTRAINTS_ZH }
    : { name: "edit_constraints.en", text: EDIT_CONSTRAINTS_EN };
}

/** A constraint's text for comparing lists: no leading number, whitespace runs collapsed, trimmed. */
export function normaliseConstraint(constraint: string): string {
  return stripNumber(constraint).replace(/\s+/g, " ").trim();
}

/**
 * Index in `longer` of each item of `shorter` when `shorter` is `longer` with items removed (same text after
 * normaliseConstraint, same order), else the first item of `shorter` that does not fit.
 */
function asSubsequence(shorter: readonly string[], longer: readonly string[]): { missing?: number } {
  let j = 0;
  for (let i = 0; i < shorter.length; i++) {
    while (j < longer.length && longer[j] !== shorter[i]) j++;
    if (j === longer.length) return { missing: i };
    j++;
  }
  return {};
}

/**
 * Why an edited list is not a valid `op` edit of `before`, or undefined when it is (appendix D's three operations,
 * each pure):
 *  - ADD lengthens the list and keeps every original item unchanged and in order;
 *  - DELETE removes at least one item and changes nothing else: every kept item is an original one, word for word
 *    (after whitespace normalisation), in order;
 *  - REVISE keeps the count and changes at least one item.
 */
export function invalidEdit(op: Operation, before: readonly string[], after: readonly string[]): string | undefined {
  const a = before.map(normaliseConstraint);
  const b = after.map(normaliseConstraint);
  if (b.length === 0) return "empty constraint list";
  if (a.length === b.length && a.every((t, i) => t === b[i])) return "constraints unchanged";
  if (op === "add") {
    if (b.length <= a.length) return `ADD must lengthen the list (${a.length} -> ${b.length})`;
    const { missing } = asSubsequence(a, b);
    if (missing !== undefined) return `ADD changed or dropped original constraint ${missing + 1}: "${before[missing]}"`;
  }
  if (op === "delete") {
    if (b.length >= a.length) return `DELETE must shorten the list (${a.length} -> ${b.length})`;
    const { missing } = asSubsequence(b, a);
    if (missing !== undefined) {
      return `DELETE must only remove items, but new constraint ${missing + 1} is not an original one word for word: "${after[missing]}"`;
    }
  }
  if (op === "revise" && b.length !== a.length) return `REVISE must keep the count (${a.length} -> ${b.length})`;
  return undefined;
}

export function x1Messages(row: X1Row): ChatMessage[] {
  return row.messages && row.messages.length > 0
    ? row.messages
    : instructionMessages(row.description, row.constraints_splits, row.input);
}

export function editConstraintsStage(): Stage<X1Row, EditedRow> {
  return {
    name: "edit_constraints",
    template: editTemplate,
    params: { temperature: 0.7, max_tokens: 2048 },
    request(row, ctx) {
      const op = chooseOperation(ctx.seed, row.id, row.constraints_splits.length);
      const rules = ctx.lang === "zh" ? OPERATION_RULES_ZH : OPERATION_RULES_EN;
      const content = fillTemplate(editTemplate(ctx.lang), {
        operation: op.toUpperCase(),
        operation_rule: rules[op],
        description: row.description,
        constraints: row.constraints_splits.join("\n"),
        input: row.input,
        response: row.response,
      });
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row, ctx): StageOutcome<EditedRow> {
      const block = resultBlock(text);
      if (!block) return { kind: "parse_failure", detail: "no <result>...</result> in the reply" };
      const op = chooseOperation(ctx.seed, row.id, row.constraints_splits.length);
      const after = parseConstraintList(block);
      const invalid = invalidEdit(op, row.constraints_splits, after);
      if (invalid) return { kind: "reject", reason: "invalid_edit", detail: { operation: op, why: invalid, after } };
      return {
        kind: "ok",
        row: { ...row, operation: op, x2_constraints_splits: after, edit_explain: explainBlock(text) },
      };
    },
  };
}
