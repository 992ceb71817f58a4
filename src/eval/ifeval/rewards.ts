import type { NamedReward, RewardInput, RewardRegistry } from "../../train/online/rewards.js";
import { evaluateResponse, type IfevalPrompt } from "./evaluate.js";

/**
 * The IFEval checkers as reward functions of the rollout methods (src/train/online/rewards.ts), for prompts whose
 * record carries IFEval's `instruction_id_list` and `kwargs` (input_data.jsonl rows, or any dataset that adds the
 * two fields), scored in strict mode with the reference implementation's semantics (evaluate.ts):
 *   ifeval      the share of the prompt's instructions followed (instruction-level accuracy)
 *   ifeval_all  1 when every instruction is followed (prompt-level accuracy), else 0
 * Records without the fields get null (no reward).
 */
function ifevalPrompt(x: RewardInput): IfevalPrompt | undefined {
  const r = x.record;
  if (!Array.isArray(r.instruction_id_list) || !Array.isArray(r.kwargs)) return undefined;
  const lastUser = [...x.prompt].reverse().find((m) => m.role === "user");
  return {
    prompt: typeof r.prompt === "string" ? r.prompt : (lastUser?.content ?? ""),
    instruction_id_list: r.instruction_id_list as string[],
    kwargs: r.kwargs as Record<string, unknown>[],
  };
}

export function ifevalReward(mode: "instruction" | "prompt"): NamedReward {
  return {
    name: mode === "instruction" ? "ifeval" : "ifeval_all",
    applies: (record) => Array.isArray(record.instruction_id_list) && Array.isArray(record.kwargs),
    fn: (inputs) =>
      inputs.map((x) => {
        const p = ifevalPrompt(x);
        if (!p || p.instruction_id_list.length === 0) return null;
        const r = evaluateResponse(p, x.completion, "strict");
        const followed = r.follow_instruction_list.filter(Boolean).length;
        return mode === "instruction" ? followed / r.follow_instruction_list.length : r.follow_all_instructions ? 1 : 0;
      }),
  };
}

/** `ifeval` and `ifeval_all`, for `reward_funcs` (registered by the CLI and the experiment). */
export function ifevalRewards(): RewardRegistry {
  return { ifeval: () => ifevalReward("instruction"), ifeval_all: () => ifevalReward("prompt") };
}
