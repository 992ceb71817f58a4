import { describe, expect, it } from "vitest";
import { generateEvalSet } from "../../src/world/eval-set.js";
import { parseUserMessage } from "../../src/world/instruction.js";
import { respond, respondViolating } from "../../src/world/responder.js";
import { worldReward, worldRewards } from "../../src/world/rewards.js";

describe("the world's checkers as GRPO rewards", () => {
  const set = generateEvalSet(12, 5, 3, 4);
  const input = (completion: string, record: Record<string, unknown>) => ({
    prompt: [{ role: "user" as const, content: "q" }],
    completion,
    record,
    truncated: false,
  });
  it("the world's answer scores 1; a violating one loses exactly its share (partial) or everything (all)", () => {
    const partial = worldReward("partial");
    const all = worldReward("all");
    for (const [i, r] of set.entries()) {
      const ins = parseUserMessage(r.messages[1].content)!;
      const good = respond(ins, `g${i}`).text;
      expect(partial.fn([input(good, r as unknown as Record<string, unknown>)])).toEqual([1]);
      const bad = respondViolating(ins, 0, `b${i}`);
      if (!bad) continue;
      const [p] = partial.fn([input(bad.text, r as unknown as Record<string, unknown>)]) as number[];
      expect(p).toBeLessThan(1);
      expect(p).toBeGreaterThanOrEqual(1 - 2 / r.constraints_num); // a violation may break a neighbouring constraint too
      expect(all.fn([input(bad.text, r as unknown as Record<string, unknown>)])).toEqual([0]);
    }
  });
  it("applies to records with world constraint lines only; registered as world and world_all", () => {
    const w = worldReward("partial");
    expect(w.applies!(set[0] as unknown as Record<string, unknown>)).toBe(true);
    expect(w.applies!({ constraints_splits: ["Be nice."] })).toBe(false);
    expect(w.fn([input("x", { constraints_splits: ["Be nice."] })])).toEqual([null]);
    expect(Object.keys(worldRewards()).sort()).toEqual(["world", "world_all"]);
  });
});
