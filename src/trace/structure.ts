import { NULL_INPUT } from "../data/instruction.js";
import { fillTemplate } from "../llm/prompt-template.js";
import type { PipelineRow, Stage, StageOutcome } from "../stages/stage.js";
import { DIMENSIONS } from "../taxonomy/dimensions.js";
import { findDimensionTag } from "../taxonomy/lookup.js";
import type { PromptLang } from "../taxonomy/render.js";
import { STRUCTURE_EN } from "./prompts/structure.en.js";
import { STRUCTURE_ZH } from "./prompts/structure.zh.js";

/**
 * Stage 2, instruction structuring (appendix B.2): complex instruction -> description / constraints / input. As in
 * B.2, the structurer does not split a poor, incomplete or contradictory instruction: it answers `#Skip: <reason>`
 * and the row is rejected with reason `skipped`.
 */

export interface StructuredFields {
  description: string;
  /** The constraint lines joined by "\n" (TRACE's `constraints` field). */
  constraints: string;
  constraints_splits: string[];
  constraints_num: number;
  /** The task input, or the literal "NULL" when there is none (as in the released set). */
  input: string;
  /**
   * One dimension label per constraint (the released set's Chinese `levels2` strings), from the `[dimension]` tag
   * the structurer puts after each constraint; "" for a line whose tag is missing or unknown. Absent when the reply
   * tags no line at all.
   */
  levels2?: string[];
}

export interface StructuredRow extends PipelineRow, StructuredFields {}

const HEADING = (name: string) => new RegExp(`^[ \\t*#]*#\\s*\\**\\s*${name}\\s*\\**\\s*[:：][ \\t]*(?:\\*\\*)?`, "im");
const TASK = HEADING("(?:task\\s*description|任务描述)");
const CONSTRAINTS = HEADING("(?:constraints?|约束(?:条件)?)");
const INPUT = HEADING("(?:inputs?|输入)");

/** Values that mean "no input". */
const NULL_LIKE = /^(?:null|none|n\/a|无|空|没有|（无）|\(none\))?$/i;

/**
 * Read the `#Task Description:` / `#Constraints:` / `#Input:` layout. Tolerates `**` bold, full-width colons,
 * Chinese headings, the description on the next line, and missing numbering. An absent or NULL-like input becomes
 * "NULL". Returns a reason string when the layout is not there or has no constraint.
 */
export function parseStructured(text: string): StructuredFields | string {
  const t = TASK.exec(text);
  const c = CONSTRAINTS.exec(text);
  if (!t) return "no #Task Description: section";
  if (!c) return "no #Constraints: section";
  if (c.index < t.index) return "#Constraints: comes before #Task Description:";
  const i = INPUT.exec(text.slice(c.index));
  const inputAt = i ? c.index + i.index : -1;
  const description = text.slice(t.index + t[0].length, c.index).trim();
  const constraintBlock = text.slice(c.index + c[0].length, inputAt < 0 ? undefined : inputAt);
  const tagged = constraintBlock
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^(?:null|none|无)$/i.test(l))
    .map((l) => splitDimensionTag(l.replace(/^[-*•]\s+/, "")));
  const splits = tagged.map((t) => t.text);
  if (description === "") return "empty task description";
  if (splits.length === 0) return "no constraint lines";
  let input = inputAt < 0 ? "" : text.slice(inputAt + i![0].length).trim();
  if (NULL_LIKE.test(input)) input = NULL_INPUT;
  const fields: StructuredFields = {
    description,
    constraints: splits.join("\n"),
    constraints_splits: splits,
    constraints_num: splits.length,
    input,
  };
  if (tagged.some((t) => t.tag !== undefined)) fields.levels2 = tagged.map((t) => t.label);
  return fields;
}

/**
 * The structurer's reason for not splitting the instruction (B.2: poor, incomplete or contradictory), from a
 * `#Skip: reason` line (also `Skip:`, `**#Skip**:`, full-width colon) when the reply has no `#Task Description:`;
 * undefined when the reply is not a skip.
 */
export function parseSkip(text: string): string | undefined {
  const m =
    /^[ \t*#]*#\s*\**\s*skip\s*\**\s*[:：][ \t]*(.*)$/im.exec(text) ?? /^\s*\**skip\**\s*[:：][ \t]*(.*)$/im.exec(text);
  if (!m || TASK.test(text)) return undefined;
  return m[1].replace(/\*+$/, "").trim();
}

/**
 * What the structurer's tags came to, for the stage summary: tags that name no dimension (kept in the constraint
 * text, `levels2` ""), and untagged constraint lines of a reply that tags others. Zero counts are left out.
 */
export function tagCounters(fields: StructuredFields): Record<string, number> {
  if (!fields.levels2) return {};
  const unrecognised = fields.levels2.filter((l, k) => l === "" && hasTag(fields.constraints_splits[k])).length;
  const untagged = fields.levels2.filter((l, k) => l === "" && !hasTag(fields.constraints_splits[k])).length;
  return {
    ...(unrecognised > 0 ? { unrecognised_dimension_tags: unrecognised } : {}),
    ...(untagged > 0 ? { untagged_constraints: untagged } : {}),
  };
}

const hasTag = (line: string | undefined) => line !== undefined && splitDimensionTag(line).tag !== undefined;

/**
 * A trailing `[Dimension]` / `【维度】` tag: removed from the text, resolved to the dimension's `levels2` label. Any of
 * the spellings of findDimensionTag is read (the paper's Table 6 "[Numerical Constraint]", "[数值]", ...).
 */
export function splitDimensionTag(line: string): { text: string; tag?: string; label: string } {
  const m = /\s*[[【]\s*([^\]】]{1,60}?)\s*[\]】]\s*$/.exec(line);
  if (!m) return { text: line, label: "" };
  const dim = findDimensionTag(m[1]);
  // An unknown bracketed tail may be part of the constraint itself ("use the [title] format"): keep the text.
  if (!dim) return { text: line, tag: m[1], label: "" };
  return { text: line.slice(0, m.index).trimEnd(), tag: m[1], label: dim.label };
}

export function structureTemplate(lang: PromptLang) {
  return lang === "zh" ? STRUCTURE_ZH : STRUCTURE_EN;
}

/** The instruction a row carries for structuring: the expanded one, or a plain `instruction` field. */
export function instructionOf(row: PipelineRow): string {
  const v = row.expanded_instruction ?? row.instruction;
  return typeof v === "string" ? v : "";
}

export function structureStage(): Stage<PipelineRow, StructuredRow> {
  return {
    name: "structure",
    template: structureTemplate,
    params: { temperature: 0, max_tokens: 4096 },
    request(row, ctx) {
      const dimensions = DIMENSIONS.map((d) => (ctx.lang === "zh" ? d.label : d.name)).join(
        ctx.lang === "zh" ? "、" : ", ",
      );
      const content = fillTemplate(structureTemplate(ctx.lang), { instruction: instructionOf(row), dimensions });
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<StructuredRow> {
      const skip = parseSkip(text);
      if (skip !== undefined) return { kind: "reject", reason: "skipped", detail: { why: skip } };
      const parsed = parseStructured(text);
      if (typeof parsed === "string") return { kind: "parse_failure", detail: parsed };
      return { kind: "ok", row: { ...row, ...parsed }, counters: tagCounters(parsed) };
    },
  };
}

/** The structured form shown to the quality-control judges (same layout the structurer produced). */
export function renderStructured(row: StructuredFields): string {
  return `#Task Description: ${row.description}\n#Constraints:\n${row.constraints_splits.join("\n")}\n#Input: ${row.input}`;
}
