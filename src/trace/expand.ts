import { fillTemplate } from "../llm/prompt-template.js";
import type { PipelineRow, Stage, StageContext, StageOutcome } from "../stages/stage.js";
import { DIMENSIONS } from "../taxonomy/dimensions.js";
import { type PromptLang, renderTaxonomy } from "../taxonomy/render.js";
import { deriveSeed, mulberry32, sample } from "../util/random.js";
import { type CountDistribution, drawCount, loadCountDistribution, truncateCounts } from "./constraint-counts.js";
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
  /** How many constraints the expander was asked to add (drawn from the count distribution). */
  requested_constraints: number;
}

export interface ExpandOptions {
  /**
   * How many constraints to ask for, drawn per row from the run seed. Default: the paper's training set (Table 2,
   * row #Training, `paper-train`; see constraint-counts.ts).
   */
  counts?: CountDistribution;
  /** Truncate the distribution to [minConstraints, maxConstraints] (inclusive, either optional; renormalised). */
  minConstraints?: number;
  maxConstraints?: number;
}

/** The count distribution the options describe (default paper-train), truncated to their min/max. */
export function expansionCounts(options: ExpandOptions = {}): CountDistribution {
  return truncateCounts(options.counts ?? loadCountDistribution(), options.minConstraints, options.maxConstraints);
}

/** What the expander is asked for on one row: how many constraints and which dimensions (seeded, per row). */
export function expansionPlan(id: string, ctx: StageContext, counts: CountDistribution) {
  const rand = mulberry32(deriveSeed(ctx.seed, id));
  const count = drawCount(counts, rand);
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
  const counts = expansionCounts(options);
  return {
    name: "expand",
    template: expandTemplate,
    params: { temperature: 0.7, max_tokens: 2048 },
    request(row, ctx) {
      const plan = expansionPlan(row.id, ctx, counts);
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
      const plan = expansionPlan(row.id, ctx, counts);
      return {
        kind: "ok",
        row: {
          ...rest,
          seed_instruction: instruction,
          expanded_instruction: parsed.result,
          suggested_dimensions: plan.dimensions.map((d) => d.name),
          requested_constraints: plan.count,
        },
      };
    },
  };
}
