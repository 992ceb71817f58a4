import { fillTemplate } from "../llm/prompt-template.js";
import type { Stage, StageOutcome } from "../stages/stage.js";
import type { PromptLang } from "../taxonomy/render.js";
import { COMPLETENESS_EN } from "./prompts/completeness.en.js";
import { COMPLETENESS_ZH } from "./prompts/completeness.zh.js";
import { CONSISTENCY_EN } from "./prompts/consistency.en.js";
import { CONSISTENCY_ZH } from "./prompts/consistency.zh.js";
import { FAITHFULNESS_EN } from "./prompts/faithfulness.en.js";
import { FAITHFULNESS_ZH } from "./prompts/faithfulness.zh.js";
import { REDUNDANCY_EN } from "./prompts/redundancy.en.js";
import { REDUNDANCY_ZH } from "./prompts/redundancy.zh.js";
import { instructionOf, renderStructured, type StructuredRow } from "./structure.js";

/**
 * Stage 3, quality control (appendix B.3, B.4), deciding as the paper does: a completeness judge (can this one
 * structured instruction be carried out as given: a clear task, and the material it refers to present in the
 * input) and a redundancy judge (is the same information given twice, in the task description and the
 * constraints). Items judged Incomplete or Redundant are rejected with that reason; unreadable verdicts are parse
 * failures.
 *
 * Two further checks are optional, named stages, off by default (the paper has neither; `--filter-faithfulness`,
 * `--filter-consistency`): `filter_faithfulness` compares the structured instruction with the original one (task,
 * every constraint, input; nothing invented), `filter_consistency` checks the constraints against each other
 * (duplicates, implications, contradictions). In the paper contradictions are left to the structurer, which skips
 * contradictory instructions (B.2).
 */

/**
 * The verdict after `<tag>:` (also `<tag>X</tag>`, `tag: X`, `**<tag>**: X`), lower-cased, from the last such
 * line (judges sometimes quote the format before answering). Undefined when there is none.
 */
export function parseTag(text: string): string | undefined {
  const re =
    /<\s*tag\s*>\s*\**\s*[:：]?\s*\**\s*([^\n<*]+?)\s*(?:\**\s*<\s*\/\s*tag\s*>|\**\s*$)|^\s*\**tag\**\s*[:：]\s*([^\n]+?)\s*$/gim;
  let last: string | undefined;
  for (const m of text.matchAll(re)) last = (m[1] ?? m[2]).trim().toLowerCase();
  return last?.replace(/[.。!！]+$/, "");
}

type Verdict = "pass" | "fail" | undefined;

export function completenessVerdict(text: string): Verdict {
  const tag = parseTag(text);
  if (tag === undefined) return undefined;
  if (/^(?:incomplete|not complete|不完整)$/.test(tag)) return "fail";
  if (/^(?:complete|完整)$/.test(tag)) return "pass";
  return undefined;
}

export function redundancyVerdict(text: string): Verdict {
  const tag = parseTag(text);
  if (tag === undefined) return undefined;
  if (/^(?:not redundant|non-redundant|nonredundant|no redundancy|不冗余|无冗余)$/.test(tag)) return "pass";
  if (/^(?:redundant|冗余)$/.test(tag)) return "fail";
  return undefined;
}

export function consistencyVerdict(text: string): Verdict {
  const tag = parseTag(text);
  if (tag === undefined) return undefined;
  if (/^(?:inconsistent|not consistent|不一致)$/.test(tag)) return "fail";
  if (/^(?:consistent|一致)$/.test(tag)) return "pass";
  return undefined;
}

export function faithfulnessVerdict(text: string): Verdict {
  const tag = parseTag(text);
  if (tag === undefined) return undefined;
  if (/^(?:unfaithful|not faithful|不忠实)$/.test(tag)) return "fail";
  if (/^(?:faithful|忠实)$/.test(tag)) return "pass";
  return undefined;
}

function judgeStage(
  name: string,
  templates: Record<PromptLang, typeof COMPLETENESS_EN>,
  vars: (row: StructuredRow) => Record<string, string>,
  verdict: (text: string) => Verdict,
  failReason: string,
): Stage<StructuredRow, StructuredRow> {
  return {
    name,
    template: (lang) => templates[lang],
    params: { temperature: 0, max_tokens: 1024 },
    request(row, ctx) {
      const content = fillTemplate(templates[ctx.lang], vars(row));
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row): StageOutcome<StructuredRow> {
      const v = verdict(text);
      if (v === undefined) return { kind: "parse_failure", detail: "no readable <tag>: verdict" };
      if (v === "fail") return { kind: "reject", reason: failReason };
      return { kind: "ok", row };
    },
  };
}

export function completenessStage(): Stage<StructuredRow, StructuredRow> {
  return judgeStage(
    "filter_complete",
    { en: COMPLETENESS_EN, zh: COMPLETENESS_ZH },
    (row) => ({ structured: renderStructured(row) }),
    completenessVerdict,
    "incomplete",
  );
}

export function redundancyStage(): Stage<StructuredRow, StructuredRow> {
  return judgeStage(
    "filter_redundant",
    { en: REDUNDANCY_EN, zh: REDUNDANCY_ZH },
    (row) => ({ structured: renderStructured(row) }),
    redundancyVerdict,
    "redundant",
  );
}

/** Optional (not in the paper): the structured instruction against the original one. */
export function faithfulnessStage(): Stage<StructuredRow, StructuredRow> {
  return judgeStage(
    "filter_faithfulness",
    { en: FAITHFULNESS_EN, zh: FAITHFULNESS_ZH },
    (row) => ({ instruction: instructionOf(row) || renderStructured(row), structured: renderStructured(row) }),
    faithfulnessVerdict,
    "unfaithful",
  );
}

/** Optional (not in the paper): the constraints against each other and the task. */
export function consistencyStage(): Stage<StructuredRow, StructuredRow> {
  return judgeStage(
    "filter_consistency",
    { en: CONSISTENCY_EN, zh: CONSISTENCY_ZH },
    (row) => ({ structured: renderStructured(row) }),
    consistencyVerdict,
    "inconsistent",
  );
}

/** The optional quality-control stages (all off by default). */
export interface ExtraFilters {
  faithfulness?: boolean;
  consistency?: boolean;
}

/** The quality-control stages in chain order: the paper's two, then the optional ones that are on. */
export function filterStages(extra: ExtraFilters = {}): Stage<StructuredRow, StructuredRow>[] {
  return [
    completenessStage(),
    redundancyStage(),
    ...(extra.faithfulness ? [faithfulnessStage()] : []),
    ...(extra.consistency ? [consistencyStage()] : []),
  ];
}
