import { existsSync, statSync } from "node:fs";
import { DataError } from "../../data/errors.js";
import type { ChatMessage } from "../../data/schemas.js";
import { checkConstraint, detectRules } from "../../judge/rules/index.js";
import type { EngineOptions } from "../../model/decoder.js";
import { nanMean, nanStd } from "./advantages.js";

/**
 * Reward functions of the rollout methods, TRL GRPOTrainer's contract: a function gets a batch of completions with
 * their prompts and the records the prompts came from, and returns one reward per completion, or null where it
 * does not apply (TRL's None: left out of the means; a completion no function scores gets advantage 0).
 *
 * A run names its functions (`reward_funcs`) and weights them (`reward_weights`, default 1 each); the reward is the
 * weighted sum (TRL `multi_objective_aggregation: sum_then_normalize`). Names resolve through a registry:
 *   rules / rules_all      the hybrid judge's rule checks (src/judge/rules) on the record's constraint list
 *                          (`constraints_splits`): share of checkable constraints passed / 1 only if all pass
 *   a folder path          a reward model (`iopo train --method rm`): its score of (prompt, completion)
 * and what higher layers register - the constraint world's checkers (`world`, `world_all`: src/world/rewards.ts)
 * and the IFEval checkers (`ifeval`, `ifeval_all`: src/eval/ifeval/rewards.ts) - which the training layer cannot
 * import (they sit above it); `iopo train` (src/cli) and the experiment add them.
 */
export interface RewardInput {
  prompt: ChatMessage[];
  /** the completion's text (special tokens and the EOS skipped) */
  completion: string;
  /** the prompt's source record (src/train/online/prompts.ts) */
  record: Record<string, unknown>;
  /** the completion ran out of max_completion_length before an EOS */
  truncated: boolean;
}

export type RewardFunction = (inputs: readonly RewardInput[]) => Promise<(number | null)[]> | (number | null)[];

export interface NamedReward {
  /** the name logged as rewards/<name>/mean */
  name: string;
  fn: RewardFunction;
  /** whether the function can score completions of prompts from this record (checked when the data loads) */
  applies?: (record: Record<string, unknown>) => boolean;
}

/** Builds a reward function by name (engine options for functions that run a model). */
export type RewardFactory = (o: { engine?: EngineOptions; maxLength?: number }) => NamedReward | Promise<NamedReward>;
export type RewardRegistry = Record<string, RewardFactory>;

/** A record's constraint lines: `constraints_splits`, else `constraints` split into lines. */
export function constraintLines(record: Record<string, unknown>): string[] | undefined {
  const s = record.constraints_splits;
  if (Array.isArray(s) && s.every((x) => typeof x === "string")) return s as string[];
  if (typeof record.constraints === "string" && record.constraints.trim() !== "")
    return record.constraints
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  return undefined;
}

/**
 * Partial credit (share satisfied) or all-or-nothing over per-constraint verdicts (true pass, false fail, null not
 * checkable): null when nothing is checkable.
 */
export function constraintReward(verdicts: readonly (boolean | null)[], mode: "partial" | "all"): number | null {
  const checked = verdicts.filter((v): v is boolean => v !== null);
  if (checked.length === 0) return null;
  const passed = checked.filter((v) => v).length;
  return mode === "partial" ? passed / checked.length : passed === checked.length ? 1 : 0;
}

/** The hybrid judge's rule checks as a reward: each constraint's rules (every coverage) pass or fail. */
export function ruleReward(mode: "partial" | "all"): NamedReward {
  return {
    name: mode === "partial" ? "rules" : "rules_all",
    applies: (record) => (constraintLines(record) ?? []).some((c) => detectRules(c).rules.length > 0),
    fn: (inputs) =>
      inputs.map((x) => {
        const lines = constraintLines(x.record) ?? [];
        const verdicts = lines.map((c) => {
          const v = checkConstraint(detectRules(c), x.completion).verdict;
          return v === "none" ? null : v === "pass";
        });
        return constraintReward(verdicts, mode);
      }),
  };
}

/** A reward model folder's score of (prompt, completion), encoded with the reward model's own chat template. */
export async function rewardModelReward(
  dir: string,
  o: { engine?: EngineOptions; maxLength?: number } = {},
): Promise<NamedReward> {
  // imported on use: the rule rewards (and the CLI that registers rewards) must not start ONNX Runtime
  const { loadRewardModel } = await import("./reward-model.js");
  const rm = await loadRewardModel(dir, { ...o.engine, maxLength: o.maxLength });
  return {
    name:
      dir
        .replace(/[/\\]+$/, "")
        .split(/[/\\]/)
        .pop() ?? dir,
    fn: async (inputs) => Array.from(await rm.score(inputs.map((x) => ({ prompt: x.prompt, response: x.completion })))),
  };
}

/** The functions the training layer can build itself. */
export function builtinRewards(): RewardRegistry {
  return { rules: () => ruleReward("partial"), rules_all: () => ruleReward("all") };
}

/** Every name is a registered reward function or a folder (a reward model), without building anything. */
export function checkRewardNames(names: readonly string[], registry: RewardRegistry): void {
  for (const name of names)
    if (!registry[name] && !(existsSync(name) && statSync(name).isDirectory()))
      throw new DataError(
        "config",
        undefined,
        "reward_funcs",
        `"${name}" is neither a known reward function (${Object.keys(registry).sort().join(", ")}) nor a reward model folder`,
      );
}

/** Resolve `reward_funcs` names: registry names first, then reward model folders. */
export async function resolveRewards(
  names: readonly string[],
  registry: RewardRegistry,
  o: { engine?: EngineOptions; maxLength?: number } = {},
): Promise<NamedReward[]> {
  const out: NamedReward[] = [];
  for (const name of names) {
    const factory = registry[name];
    if (factory) out.push(await factory(o));
    else {
      checkRewardNames([name], registry);
      out.push(await rewardModelReward(name, o));
    }
  }
  const seen = new Set<string>();
  for (const r of out) {
    if (seen.has(r.name)) throw new Error(`two reward functions are named "${r.name}"`);
    seen.add(r.name);
  }
  return out;
}

export interface ScoredRewards {
  /** [function][completion], NaN where the function returned null */
  perFunction: number[][];
  /** weighted sum per completion (NaN functions skipped; NaN when none scored it) */
  total: number[];
}

/** Run every function on the batch and combine with the weights (TRL: nansum of weighted rewards). */
export async function scoreRewards(
  rewards: readonly NamedReward[],
  weights: readonly number[] | undefined,
  inputs: readonly RewardInput[],
): Promise<ScoredRewards> {
  const perFunction: number[][] = [];
  for (const r of rewards) {
    const out = await r.fn(inputs);
    if (out.length !== inputs.length)
      throw new Error(`reward function ${r.name} returned ${out.length} rewards for ${inputs.length} completions`);
    perFunction.push(
      out.map((v, i) => {
        if (v === null || v === undefined) return Number.NaN;
        if (typeof v !== "number" || !Number.isFinite(v))
          throw new Error(`reward function ${r.name} returned ${v} for completion ${i} (a finite number or null)`);
        return v;
      }),
    );
  }
  const total = inputs.map((_, i) => {
    let s = 0;
    let any = false;
    perFunction.forEach((f, k) => {
      const v = f[i]!;
      if (!Number.isNaN(v)) {
        s += (weights?.[k] ?? 1) * v;
        any = true;
      }
    });
    return any ? s : Number.NaN;
  });
  return { perFunction, total };
}

/** TRL's per-function metrics: rewards/<name>/mean and rewards/<name>/std over the completions it scored. */
export function rewardMetrics(rewards: readonly NamedReward[], scored: ScoredRewards): Record<string, number> {
  const m: Record<string, number> = {};
  rewards.forEach((r, k) => {
    const mean = nanMean(scored.perFunction[k]!);
    const std = nanStd(scored.perFunction[k]!);
    if (!Number.isNaN(mean)) m[`rewards/${r.name}/mean`] = mean;
    if (!Number.isNaN(std)) m[`rewards/${r.name}/std`] = std;
  });
  return m;
}
