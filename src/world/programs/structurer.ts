import { STRUCTURE_EN } from "../../trace/prompts/structure.en.js";
import { STRUCTURE_ZH } from "../../trace/prompts/structure.zh.js";
import { unitFor } from "../../util/random.js";
import { KIND_DIMENSION } from "../constraint.js";
import { parseProse, toStructured } from "../instruction.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";

/**
 * Instruction structurer (appendix B.2): splits a prose world instruction into `#Task Description:`,
 * `#Constraints:` (numbered lines, copied verbatim) and `#Input:` (NULL when there is none). A share of answers
 * (options.structurerSlipRate, only with two or more constraints) silently drops the last constraint, the slip
 * the completeness judge exists to catch.
 */
export const structurerProgram: WorldProgram = {
  stage: "structure",
  role: "constructor",
  recognise: byTemplates(STRUCTURE_EN.text, STRUCTURE_ZH.text),
  answer(slots, ctx) {
    const ins = parseProse(slots.instruction.trim());
    if (!ins) {
      throw new WorldError(
        `world:structure: not a world instruction: ${JSON.stringify(slots.instruction.slice(0, 80))}`,
      );
    }
    const slip =
      ins.constraints.length >= 2 &&
      unitFor(`${ctx.salt}:structure-slip:${slots.instruction}`) < ctx.options.structurerSlipRate;
    const kept = slip ? { ...ins, constraints: ins.constraints.slice(0, -1) } : ins;
    const s = toStructured(kept);
    // When the template asks for each line's taxonomy dimension in brackets (its {{dimensions}} slot), add it.
    const lines =
      slots.dimensions === undefined
        ? s.constraints_splits
        : s.constraints_splits.map((l, i) => `${l} [${KIND_DIMENSION[kept.constraints[i].kind]}]`);
    return `#Task Description: ${s.description}\n#Constraints:\n${lines.join("\n")}\n#Input: ${s.input}`;
  },
};
