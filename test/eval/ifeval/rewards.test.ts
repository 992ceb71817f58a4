import { describe, expect, it } from "vitest";
import { ifevalReward, ifevalRewards } from "../../../src/eval/ifeval/rewards.js";

describe("the IFEval checkers as GRPO rewards (strict)", () => {
  const record = {
    prompt: "Write a short note. Do not use any commas. Answer in lowercase.",
    instruction_id_list: ["punctuation:no_comma", "change_case:english_lowercase"],
    kwargs: [{}, {}],
  };
  const input = (completion: string, r: Record<string, unknown> = record) => ({
    prompt: [{ role: "user" as const, content: record.prompt }],
    completion,
    record: r,
    truncated: false,
  });
  it("instruction-level share and prompt-level all-or-nothing", () => {
    const lower = "this is a short note written in plain english for the reader of the page";
    const xs = [
      input(lower),
      input(`This Is A Short Note, Written In Plain English For The Reader`),
      input(`${lower}, then`),
    ];
    expect(ifevalReward("instruction").fn(xs)).toEqual([1, 0, 0.5]);
    expect(ifevalReward("prompt").fn(xs)).toEqual([1, 0, 0]);
  });
  it("records without instruction_id_list + kwargs get null; registered as ifeval and ifeval_all", () => {
    expect(ifevalReward("instruction").fn([input("x", { constraints_splits: [] })])).toEqual([null]);
    expect(ifevalReward("instruction").applies!({ prompt: "x" })).toBe(false);
    expect(Object.keys(ifevalRewards()).sort()).toEqual(["ifeval", "ifeval_all"]);
  });
});
