import { EXPAND_EN } from "../../trace/prompts/expand.en.js";
import { EXPAND_ZH } from "../../trace/prompts/expand.zh.js";
import { randFor, unitFor } from "../../util/random.js";
import { KIND_DIMENSION, renderConstraint } from "../constraint.js";
import { generateConstraints, kindsForDimensions } from "../generator.js";
import { parseProse, renderProse } from "../instruction.js";
import { byTemplates, type ProgramContext, WorldError, type WorldProgram } from "./program.js";

/** Most constraints one world instruction can carry without repeating a kind. */
export const MAX_WORLD_CONSTRAINTS = 10;

/**
 * Constraint expander (appendix B.1, the paper's Qwen2-72B): reads the simple instruction, the number of
 * constraints asked for and the suggested dimensions from the B.1 prompt, draws that many world constraints
 * (suggested dimensions first, where the world has a kind for them), and answers `<explain>` + `<result>` with
 * the instruction rewritten in prose. A share of expansions (options.contradictionRate) carries a
 * contradictory pair, as a careless expander would write; the structurer skips such an instruction (B.2).
 */
export const expanderProgram: WorldProgram = {
  stage: "expand",
  role: "constructor",
  recognise: byTemplates(EXPAND_EN.text, EXPAND_ZH.text),
  answer(slots, ctx: ProgramContext) {
    const seed = parseProse(slots.instruction.trim());
    if (!seed)
      throw new WorldError(`world:expand: not a world task: ${JSON.stringify(slots.instruction.slice(0, 80))}`);
    const count = Math.min(MAX_WORLD_CONSTRAINTS, Math.max(1, Number.parseInt(slots.count, 10) || 1));
    // Dimension names appear as "Name" (en) or "标签（Name）" (zh).
    const names = slots.dimensions.split(/[,、]\s*/).map((d) => /（([^）]+)）/.exec(d)?.[1] ?? d.trim());
    const key = `${ctx.salt}:expand:${slots.instruction}:${count}:${slots.dimensions}`;
    const contradiction = count >= 2 && unitFor(`${key}:contradiction`) < ctx.options.contradictionRate;
    const constraints = generateConstraints(seed.task, count, randFor(key), {
      prefer: kindsForDimensions(names),
      contradiction,
      base: seed.constraints,
    });
    const added = constraints.slice(seed.constraints.length);
    const explain = added.map((c) => `- ${KIND_DIMENSION[c.kind]}: ${renderConstraint(c)}`).join("\n");
    return (
      `<explain>\nThe task stays "${renderProse({ task: seed.task, constraints: [] }).split("\n")[0]}". ` +
      `I add ${added.length} checkable constraints:\n${explain}\n</explain>\n` +
      `<result>\n${renderProse({ task: seed.task, constraints })}\n</result>`
    );
  },
};
