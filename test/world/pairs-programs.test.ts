import { describe, expect, it } from "vitest";
import { worseAnswerStage } from "../../src/pairs/dpo-builder.js";
import { editConstraintsStage } from "../../src/pairs/edit-constraints.js";
import type { StageContext } from "../../src/stages/stage.js";
import { checkAll, parseConstraint } from "../../src/world/constraint.js";
import { generateInstruction } from "../../src/world/generator.js";
import { toStructured } from "../../src/world/instruction.js";
import { respond } from "../../src/world/responder.js";
import { WorldChatModel } from "../../src/world/world-chat-model.js";

const ctx: StageContext = { lang: "en", seed: 42 };
const model = new WorldChatModel("constructor", { responderErrorRate: 0 });

function x1Row(i: number) {
  const ins = generateInstruction(`pairs-${i}`, 1 + (i % 6));
  return { ins, row: { id: `g-${i}`, ...toStructured(ins), response: respond(ins, `y1-${i}`).text } };
}

describe("the x2 editor (appendix D)", () => {
  it("edits with the drawn operation so that y1 really fails x2, and x2 stays answerable", async () => {
    const stage = editConstraintsStage();
    const ops: Record<string, number> = {};
    let rational = 0;
    const n = 150;
    for (let i = 0; i < n; i++) {
      const { ins, row } = x1Row(i);
      const reply = await model.chat(stage.request(row, ctx));
      const out = stage.parse(reply.text, row, ctx);
      expect(out.kind, reply.text).toBe("ok");
      if (out.kind !== "ok") continue;
      ops[out.row.operation] = (ops[out.row.operation] ?? 0) + 1;
      const x2 = out.row.x2_constraints_splits.map(parseConstraint);
      expect(x2.every((c) => c !== undefined)).toBe(true);
      const constraints = x2 as NonNullable<(typeof x2)[number]>[];
      // y1 fails x2 (checked with the checkers, not taken from the editor's word) ...
      expect(
        checkAll(constraints, row.response).some((r) => !r.ok),
        reply.text,
      ).toBe(true);
      // ... and the world can answer x2 in full.
      const y2 = respond({ task: ins.task, constraints }, "y2");
      expect(y2.failed).toEqual([]);
      if (checkAll(ins.constraints, y2.text).some((r) => !r.ok)) rational++;
    }
    expect(Object.keys(ops).sort()).toEqual(["add", "delete", "revise"]);
    // REVISE and DELETE edits can always make y2 fail x1 as well; ADD rarely can.
    expect(rational / n).toBeGreaterThan(0.5);
  });
});

describe("the worse-answer writer (appendix C)", () => {
  it("writes an answer that fails at least one constraint, usually exactly one", async () => {
    const stage = worseAnswerStage();
    let exactlyOne = 0;
    const n = 150;
    for (let i = 0; i < n; i++) {
      const { ins, row } = x1Row(i);
      const out = stage.parse((await model.chat(stage.request(row, ctx))).text, row, ctx);
      expect(out.kind).toBe("ok");
      if (out.kind !== "ok") continue;
      const failed = checkAll(ins.constraints, out.row.rejected).filter((r) => !r.ok).length;
      expect(failed).toBeGreaterThan(0);
      if (failed === 1) exactlyOne++;
    }
    expect(exactlyOne / n).toBeGreaterThan(0.9);
  });
});
