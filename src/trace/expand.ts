import { fillTemplate } from "../llm/prompt-template.js";
import type { PipelineRow, Stage, StageContext, StageOutcome } from "../stages/stage.js";
import { DIMENSIONS } from "../taxonomy/dimensions.js";
import { type PromptLang, renderTaxonomy } from "../taxonomy/render.js";
import { deriveSeed, mulberry32, sample } from "../util/random.js";
import { EXPAND_EN } from "./prompts/expand.en.js";
import { EXPAND_ZH } from "./prompts/expand.zh.js";

/** Stage 1, constraint expansion (appendix B.1): simple seed instruction -> complex instruction. */

export interface SeedRow extends PipelineRow {
  instruction: string;
}

export interface ExpandedRow extends PipelineRow {
  seed_instruction: string;
  expanded_instruction: string;
  /** Dimensions suggested to the expander (English names), drawn with the run seed. */
  suggested_dimensions: string[];
}

export interface ExpandOptions {
  /** Range of constraints to add per instruction (inclusive), drawn per row from the run seed. */
  minConstraints?: number;
  maxConstraints?: number;
}

/** What the expander is asked for on one row: how many constraints and which dimensions (seeded, per row). */
export function expansionPlan(id: string, ctx: StageContext, options: ExpandOptions = {}) {
  const min = options.minConstraints ?? 2;
  const max = Math.max(min, options.maxConstraints ?? 6);
  const rand = mulberry32(deriveSeed(ctx.seed, id));
  const count = min + Math.floor(rand() * (max - min + 1));
  const dims = sample(DIMENSIONS, Math.min(count, DIMENSIONS.length), rand);
  return { count, dimensions: dims };
}

export function expandTemplate(lang: PromptLang) {
  return lang === "zh" ? EXPAND_ZH : EXPAND_EN;
}

/** `<result>...</result>` of the reply (a missing closing tag, e.g. a truncated reply, is tolerated). */
export function parseExpansion(text: string): { explain?: string; result: string } | undefined {
  const result = /<result>\s*([\s\S]*?)\s*(?:<\/result>|$)/i.exec(text);
  if (!result || result[1].trim() === "") return undefined;
  const explain = /<explain>\s*([\s\S]*?)\s*<\/explain>/i.exec(text);
  return { explain: explain?.[1], result: result[1].trim() };
}

export function expandStage(options: ExpandOptions = {}): Stage<SeedRow, ExpandedRow> {
  return {
    name: "expand",
    template: expandTemplate,
    params: { temperature: 0.7, max_tokens: 2048 },
    request(row, ctx) {
      const plan = expansionPlan(row.id, ctx, options);
      const names = plan.dimensions.map((d) => (ctx.lang === "zh" ? `${d.label}（${d.name}）` : d.name));
      const content = fillTemplate(expandTemplate(ctx.lang), {
        taxonomy: renderTaxonomy(ctx.lang),
        instruction: row.instruction,
        count: String(plan.count),
        dimensions: names.join(ctx.lang === "zh" ? "、" : ", "),
      });
      return { messages: [{ role: "user", content }], ...this.params, seed: ctx.seed };
    },
    parse(text, row, ctx): StageOutcome<ExpandedRow> {
      const parsed = parseExpansion(text);
      if (!parsed) return { kind: "parse_failure", detail: "no <result>...</result> in the reply" };
      const { instruction, ...rest } = row;
      return {
        kind: "ok",
        row: {
          ...rest,
          seed_instruction: instruction,
          expanded_instruction: parsed.result,
          suggested_dimensions: expansionPlan(row.id, ctx, options).dimensions.map((d) => d.name),
        },
      };
    },
  };
}
