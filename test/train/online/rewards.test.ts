import { describe, expect, it } from "vitest";
import {
  builtinRewards,
  checkRewardNames,
  constraintLines,
  constraintReward,
  resolveRewards,
  rewardMetrics,
  ruleReward,
  scoreRewards,
} from "../../../src/train/online/rewards.js";

const input = (completion: string, record: Record<string, unknown>) => ({
  prompt: [{ role: "user" as const, content: "q" }],
  completion,
  record,
  truncated: false,
});

describe("rule rewards (the hybrid judge's checks)", () => {
  const record = {
    constraints_splits: ['Include the word "apple".', 'Do not use the word "pear".', "Be creative."],
  };
  it("partial credit = share of checkable constraints passed; all-or-nothing; null when nothing is checkable", () => {
    const partial = ruleReward("partial");
    const all = ruleReward("all");
    const xs = [input("an apple", record), input("an apple and a pear", record), input("a pear", record)];
    expect(partial.fn(xs)).toEqual([1, 0.5, 0]);
    expect(all.fn(xs)).toEqual([1, 0, 0]);
    expect(partial.fn([input("x", { constraints_splits: ["Be creative."] })])).toEqual([null]);
    expect(partial.applies!(record)).toBe(true);
    expect(partial.applies!({ constraints_splits: ["Be creative."] })).toBe(false);
    expect(partial.applies!({ messages: [] })).toBe(false);
  });
  it("reads constraints_splits, else the constraints text line by line", () => {
    expect(constraintLines({ constraints: "a\n\n b \n" })).toEqual(["a", "b"]);
    expect(constraintLines({})).toBeUndefined();
    expect(constraintReward([true, null, false, true], "partial")).toBeCloseTo(2 / 3, 12);
    expect(constraintReward([null], "all")).toBeNull();
  });
});

describe("combining reward functions (TRL: weighted nansum, None left out)", () => {
  const a = { name: "a", fn: () => [1, null, 0.5] };
  const b = { name: "b", fn: () => [2, null, null] };
  it("weighted sums, NaN when no function scored a completion, per-function metrics over scored ones", async () => {
    const s = await scoreRewards([a, b], [1, 0.5], [input("", {}), input("", {}), input("", {})]);
    expect(s.total[0]).toBe(2);
    expect(Number.isNaN(s.total[1]!)).toBe(true);
    expect(s.total[2]).toBe(0.5);
    const m = rewardMetrics([a, b], s);
    expect(m["rewards/a/mean"]).toBe(0.75);
    expect(m["rewards/b/mean"]).toBe(2);
    expect(m["rewards/b/std"]).toBeUndefined(); // one value: no std (TRL's nanstd is NaN)
  });
  it("a function returning the wrong count or a non-finite value is an error naming it", async () => {
    await expect(
      scoreRewards([{ name: "short", fn: () => [1] }], undefined, [input("", {}), input("", {})]),
    ).rejects.toThrow(/short returned 1 rewards for 2/);
    await expect(
      scoreRewards([{ name: "inf", fn: () => [Number.POSITIVE_INFINITY] }], undefined, [input("", {})]),
    ).rejects.toThrow(/inf returned Infinity/);
  });
  it("names resolve through the registry (or as a reward model folder); unknown names are data errors", async () => {
    const r = await resolveRewards(["rules", "rules_all"], builtinRewards());
    expect(r.map((x) => x.name)).toEqual(["rules", "rules_all"]);
    expect(() => checkRewardNames(["nope"], builtinRewards())).toThrow(/reward_funcs.*"nope" is neither/);
    await expect(resolveRewards(["rules", "rules"], builtinRewards())).rejects.toThrow(/two reward functions/);
  });
});
