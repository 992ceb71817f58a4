import { describe, expect, it } from "vitest";
import { TraceRecordSchema } from "../../src/data/schemas.js";
import { dimensionByLabel } from "../../src/taxonomy/lookup.js";
import { generateEvalSet, scoreWithCheckers } from "../../src/world/eval-set.js";
import { parseUserMessage } from "../../src/world/instruction.js";
import { respond, respondViolating } from "../../src/world/responder.js";

describe("world evaluation sets", () => {
  const set = generateEvalSet(60, 3, 4, 8);

  it("are valid TRACE records with taxonomy labels, deterministic, with the requested constraint counts", () => {
    for (const r of set) {
      expect(() => TraceRecordSchema.parse(r)).not.toThrow();
      expect(r.constraints_num).toBeGreaterThanOrEqual(4);
      expect(r.constraints_num).toBeLessThanOrEqual(8);
      expect(r.levels2).toHaveLength(r.constraints_num);
      for (const label of r.levels2) expect(dimensionByLabel(label), label).toBeDefined();
    }
    expect(new Set(set.map((r) => r.constraints_num))).toEqual(new Set([4, 5, 6, 7, 8]));
    expect(generateEvalSet(60, 3, 4, 8)).toEqual(set);
  });

  it("score responses with the checkers: all 10 for the world's answer, a 0 where a constraint is broken", () => {
    for (const [i, r] of set.entries()) {
      const ins = parseUserMessage(r.messages[1].content)!;
      expect(scoreWithCheckers(r.constraints_splits, respond(ins, `a${i}`).text).every((s) => s === 10)).toBe(true);
      const wrong = respondViolating(ins, 0, `b${i}`);
      if (wrong) expect(scoreWithCheckers(r.constraints_splits, wrong.text)[0]).toBe(0);
    }
    expect(scoreWithCheckers(["1. Be nice."], "hi")).toEqual([null]);
  });
});
