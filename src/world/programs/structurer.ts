import { NULL_INPUT } from "../../data/instruction.js";
import { STRUCTURE_EN } from "../../trace/prompts/structure.en.js";
import { STRUCTURE_ZH } from "../../trace/prompts/structure.zh.js";
import { unitFor } from "../../util/random.js";
import { KIND_DIMENSION, renderConstraint } from "../constraint.js";
import { parseProse, toStructured } from "../instruction.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";
import { consistencyProblems } from "./quality-judges.js";

/** The structurer's slips (an LLM's mistakes), each one a quality-control stage exists to catch. */
export const STRUCTURER_SLIPS = ["drop_input", "echo_constraint", "drop_constraint"] as const;
export type StructurerSlip = (typeof STRUCTURER_SLIPS)[number];

/**
 * Instruction structurer (appendix B.2): splits a prose world instruction into `#Task Description:`,
 * `#Constraints:` (numbered lines, copied verbatim) and `#Input:` (NULL when there is none). As B.2 asks, it first
 * judges the instruction and answers `#Skip: <reason>` for a contradictory one (constraints that repeat or
 * contradict each other, or that no response can satisfy together: the expander's deliberate contradictions).
 * A share of answers (options.structurerSlipRate) carries one slip: an input task's input written as NULL (caught
 * by the completeness judge, B.3); for other tasks, one of two equally likely: the first constraint left in the task
 * description as well (caught by the redundancy judge, B.4), or the last constraint dropped (caught only by the
 * optional faithfulness check; otherwise the record is a consistent, smaller instruction).
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
    const problems = consistencyProblems(ins);
    if (problems.length > 0) return `#Skip: contradictory instruction: ${problems[0]}`;
    // An input task loses its input; another task echoes a constraint into its description or drops one.
    const key = `${ctx.salt}:structure-slip:${slots.instruction}`;
    const kinds: StructurerSlip[] = ins.task.pool
      ? ["drop_input"]
      : ins.constraints.length >= 2
        ? ["echo_constraint", "drop_constraint"]
        : ins.constraints.length === 1
          ? ["echo_constraint"]
          : [];
    const slip =
      kinds.length > 0 && unitFor(key) < ctx.options.structurerSlipRate
        ? kinds[Math.floor(unitFor(`${key}:kind`) * kinds.length)]
        : undefined;
    const kept = slip === "drop_constraint" ? { ...ins, constraints: ins.constraints.slice(0, -1) } : ins;
    const s = toStructured(kept);
    const description =
      slip === "echo_constraint" ? `${s.description} ${renderConstraint(kept.constraints[0])}` : s.description;
    const input = slip === "drop_input" ? NULL_INPUT : s.input;
    // When the template asks for each line's taxonomy dimension in brackets (its {{dimensions}} slot), add it.
    const lines =
      slots.dimensions === undefined
        ? s.constraints_splits
        : s.constraints_splits.map((l, i) => `${l} [${KIND_DIMENSION[kept.constraints[i].kind]}]`);
    return `#Task Description: ${description}\n#Constraints:\n${lines.join("\n")}\n#Input: ${input}`;
  },
};
