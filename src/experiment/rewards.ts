import { ifevalRewards } from "../eval/ifeval/rewards.js";
import { builtinRewards, type RewardRegistry } from "../train/online/rewards.js";
import { worldRewards } from "../world/rewards.js";

/**
 * Every reward function `reward_funcs` can name: the training layer's (`rules`, `rules_all`, reward model folders),
 * the constraint world's (`world`, `world_all`) and IFEval's (`ifeval`, `ifeval_all`). The latter two live above
 * training, so they are gathered here, where both `iopo train` and the experiment's runs take them from.
 */
export function rewardRegistry(): RewardRegistry {
  return { ...builtinRewards(), ...worldRewards(), ...ifevalRewards() };
}
