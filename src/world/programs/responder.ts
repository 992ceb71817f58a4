import type { ChatRequest } from "../../llm/types.js";
import { RESPOND_SYSTEM_PROMPT } from "../../trace/prompts/respond.js";
import { randFor, shuffled, unitFor } from "../../util/random.js";
import { parseUserMessageLenient } from "../instruction.js";
import { respond, respondViolating } from "../responder.js";
import { WorldError, type WorldProgram } from "./program.js";

/**
 * Responder (TRACE response generation, and y2 of appendix D): the request is the instruction itself, TRACE's
 * system prompt then the rendered instruction as the user message. It writes the answer that satisfies every
 * constraint it can parse (lines that are not world language are ignored); a share of answers (options.responderErrorRate) breaks one constraint, so that the
 * response judge has real mistakes to reject.
 */
export function recogniseInstruction(request: ChatRequest): Record<string, string> | undefined {
  const [system, user, ...rest] = request.messages;
  if (rest.length > 0 || system?.role !== "system" || user?.role !== "user") return undefined;
  return system.content === RESPOND_SYSTEM_PROMPT ? { instruction: user.content } : undefined;
}

export const responderProgram: WorldProgram = {
  stage: "respond",
  role: "constructor",
  recognise: recogniseInstruction,
  answer(slots, ctx) {
    const ins = parseUserMessageLenient(slots.instruction)?.ins;
    if (!ins) {
      throw new WorldError(`world:respond: not a world instruction: ${JSON.stringify(slots.instruction.slice(0, 80))}`);
    }
    const key = `${ctx.salt}:respond:${slots.instruction}`;
    if (ins.constraints.length > 0 && unitFor(`${key}:error`) < ctx.options.responderErrorRate) {
      const order = shuffled(
        ins.constraints.map((_, i) => i),
        randFor(`${key}:which`),
      );
      for (const k of order) {
        const wrong = respondViolating(ins, k, key);
        if (wrong) return wrong.text;
      }
    }
    return respond(ins, key).text;
  },
};
