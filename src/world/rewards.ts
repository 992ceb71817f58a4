import { constraintLines, constraintReward, type NamedReward, type RewardRegistry } from "../train/online/rewards.js";
import { parseConstraint } from "./constraint.js";
import { scoreWithCheckers } from "./eval-set.js";

/**
 * The constraint world's checkers as reward functions of the rollout methods (src/train/online/rewards.ts): the
 * record's constraint lines (`constraints_splits`: a world TRACE record, an IOPO group's x1 or x2) are parsed back
 * to world constraints and checked on the completion, as the world's rule judge does (`scoreWithCheckers`).
 *   world      partial credit: the share of the world constraints satisfied
 *   world_all  1 when every world constraint is satisfied, else 0 (paper eq. 3's "followed")
 * Lines that are not world language are not scored; a record with none gets null (no reward).
 */
export function worldReward(mode: "partial" | "all"): NamedReward {
  return {
    name: mode === "partial" ? "world" : "world_all",
    applies: (record) => (constraintLines(record) ?? []).some((c) => parseConstraint(c) !== undefined),
    fn: (inputs) =>
      inputs.map((x) =>
        constraintReward(
          scoreWithCheckers(constraintLines(x.record) ?? [], x.completion).map((s) => (s === null ? null : s === 10)),
          mode,
        ),
      ),
  };
}

/** `world` and `world_all`, for `reward_funcs` (registered by the CLI and the experiment). */
export function worldRewards(): RewardRegistry {
  return { world: () => worldReward("partial"), world_all: () => worldReward("all") };
}
