import { describe, expect, it } from "vitest";
import { checkAll, checkConstraint } from "../../src/world/constraint.js";
import { generateInstruction, generateSeeds } from "../../src/world/generator.js";
import {
  fromStructured,
  parseProse,
  parseUserMessage,
  renderProse,
  renderUserMessage,
  toStructured,
} from "../../src/world/instruction.js";
import { respond, respondViolating } from "../../src/world/responder.js";
import { parseTask, renderTask, renderTaskInput } from "../../src/world/task.js";

const instructions = Array.from({ length: 400 }, (_, i) => generateInstruction(`test-${i}`, 1 + (i % 8)));

describe("world instructions", () => {
  it("round-trip through prose, structured fields and the rendered user message", () => {
    for (const ins of instructions) {
      expect(parseProse(renderProse(ins))).toEqual(ins);
      expect(fromStructured(toStructured(ins))).toEqual(ins);
      expect(parseUserMessage(renderUserMessage(ins))).toEqual(ins);
      expect(parseTask(renderTask(ins.task), renderTaskInput(ins.task))).toEqual(ins.task);
    }
  });

  it("include input tasks (the pool travels as the TRACE input)", () => {
    const withInput = instructions.filter((i) => i.task.pool);
    expect(withInput.length).toBeGreaterThan(40);
    expect(renderUserMessage(withInput[0])).toContain("\n# Inputs:\n");
  });

  it("are deterministic in their key", () => {
    expect(generateInstruction("k", 5)).toEqual(generateInstruction("k", 5));
    expect(generateSeeds(5, 1)).toEqual(generateSeeds(5, 1));
    expect(generateSeeds(5, 1)).not.toEqual(generateSeeds(5, 2));
  });
});

describe("the responder", () => {
  it("satisfies every constraint of hundreds of generated instructions", () => {
    for (const [i, ins] of instructions.entries()) {
      const r = respond(ins, `salt-${i}`);
      const failed = checkAll(ins.constraints, r.text).filter((v) => !v.ok);
      expect(failed, `${renderUserMessage(ins)}\n---\n${r.text}`).toEqual([]);
      expect(r.failed).toEqual([]);
    }
  });

  it("violates a chosen constraint on request, verified by its checker", () => {
    let violated = 0;
    for (const [i, ins] of instructions.slice(0, 200).entries()) {
      for (let k = 0; k < ins.constraints.length; k++) {
        const r = respondViolating(ins, k, `v-${i}`);
        if (!r) continue;
        violated++;
        expect(checkConstraint(ins.constraints[k], r.text).ok).toBe(false);
        expect(r.failed).toContain(k);
      }
    }
    expect(violated).toBeGreaterThan(500);
  });

  it("cannot satisfy a deliberately contradictory set", () => {
    for (let i = 0; i < 100; i++) {
      const ins = generateInstruction(`contra-${i}`, 2 + (i % 5), { contradiction: true });
      expect(respond(ins, "s").failed.length, renderUserMessage(ins)).toBeGreaterThan(0);
    }
  });
});
