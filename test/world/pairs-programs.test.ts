import { describe, expect, it } from "vitest";
import { worseAnswerStage } from "../../src/pairs/dpo-builder.js";
import { editConstraintsStage, normaliseConstraint } from "../../src/pairs/edit-constraints.js";
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
  it("edits with the drawn operation, each pure; ADD/REVISE make y1 fail x2, DELETE only removes items", async () => {
    const stage = editConstraintsStage();
    const ops: Record<string, number> = {};
    let rational = 0;
    let deleteY2FailsX1 = 0;
    const n = 150;
    for (let i = 0; i < n; i++) {
      const { ins, row } = x1Row(i);
      const reply = await model.chat(stage.request(row, ctx));
      const out = stage.parse(reply.text, row, ctx);
      expect(out.kind, reply.text).toBe("ok");
      if (out.kind !== "ok") continue;
      const op = out.row.operation;
      ops[op] = (ops[op] ?? 0) + 1;
      const x2 = out.row.x2_constraints_splits.map(parseConstraint);
      expect(x2.every((c) => c !== undefined)).toBe(true);
      const constraints = x2 as NonNullable<(typeof x2)[number]>[];
      // checked with the checkers, not taken from the editor's word
      const y1FailsX2 = checkAll(constraints, row.response).some((r) => !r.ok);
      if (op === "delete") {
        expect(y1FailsX2).toBe(false);
        const kept = out.row.x2_constraints_splits.map(normaliseConstraint);
        const before = row.constraints_splits.map(normaliseConstraint);
        expect(kept.every((k) => before.includes(k))).toBe(true);
        expect(kept.length).toBe(before.length - 1);
      } else expect(y1FailsX2, reply.text).toBe(true);
      // ... and the world can answer x2 in full.
      const y2 = respond({ task: ins.task, constraints }, "y2");
      expect(y2.failed).toEqual([]);
      const y2FailsX1 = checkAll(ins.constraints, y2.text).some((r) => !r.ok);
      if (op === "delete" && y2FailsX1) deleteY2FailsX1++;
      if (y1FailsX2 || y2FailsX1) rational++;
    }
    expect(Object.keys(ops).sort()).toEqual(["add", "delete", "revise"]);
    // Under the group reading almost every edit gives a rational group; most DELETEs make y2 fail x1.
    expect(rational / n).toBeGreaterThan(0.9);
    expect(deleteY2FailsX1 / ops.delete).toBeGreaterThan(0.6);
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
