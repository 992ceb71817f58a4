import { WORSE_ANSWER_EN } from "../../pairs/prompts/worse-answer.en.js";
import { WORSE_ANSWER_ZH } from "../../pairs/prompts/worse-answer.zh.js";
import { randFor, shuffled } from "../../util/random.js";
import { renderConstraint } from "../constraint.js";
import { parseUserMessage } from "../instruction.js";
import { respondViolating } from "../responder.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";

/**
 * Worse-answer writer (appendix C, DPO-series data): given the instruction and its compliant response, writes
 * an answer that still does the task but violates one constraint (verified with its checker; an answer that
 * breaks exactly one constraint is preferred, so the pair isolates a single constraint).
 */
export const worseAnswerProgram: WorldProgram = {
  stage: "worse_answer",
  role: "constructor",
  recognise: byTemplates(WORSE_ANSWER_EN, WORSE_ANSWER_ZH),
  answer(slots, ctx) {
    const ins = parseUserMessage(slots.instruction);
    if (!ins) {
      throw new WorldError(
        `world:worse_answer: not a world instruction: ${JSON.stringify(slots.instruction.slice(0, 80))}`,
      );
    }
    const key = `${ctx.salt}:worse:${slots.instruction}`;
    const order = shuffled(
      ins.constraints.map((_, i) => i),
      randFor(key),
    );
    const candidates = order.flatMap((k) => {
      const r = respondViolating(ins, k, key);
      return r ? [{ k, r }] : [];
    });
    const best = candidates.find((c) => c.r.failed.length === 1) ?? candidates[0];
    if (!best) {
      return `<explain>No constraint can be broken while still answering the task.</explain>\n<result>\n${slots.response.trim()}\n</result>`;
    }
    const broken = best.r.failed.map((k) => `${k + 1} ("${renderConstraint(ins.constraints[k])}")`).join(", ");
    return `<explain>The response breaks constraint ${broken}.</explain>\n<result>\n${best.r.text}\n</result>`;
  },
};
