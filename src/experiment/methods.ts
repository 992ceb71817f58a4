import { DataError } from "../data/errors.js";
import { isRolloutMethod } from "../train/online/config.js";
import type { ExperimentData } from "./data.js";
import type { MethodSpec, ResolvedPlan } from "./plan.js";
import type { MethodInfo } from "./results.js";

/**
 * The rows of the paper's comparison (Tables 3/4, the ablations of Table 4, the token-equalised DPO* and SFT* of
 * figures 4/5), by the name a plan lists them under. Each is an `iopo train` method on one of the experiment's
 * training files; every one starts from the same SFT checkpoint with the same shared settings.
 */
export const KNOWN_METHODS: Record<
  string,
  Omit<MethodSpec, "id" | "overrides"> & { label: string; description: string }
> = {
  sft_continued: {
    method: "sft",
    data: "dpo",
    label: "SFT (cont.)",
    description:
      "SFT continued on the preference data's chosen answers (the pairs' prompts with their compliant answers)",
  },
  dpo: {
    method: "dpo",
    data: "dpo",
    label: "DPO",
    description: "DPO (paper eq. 7) on the DPO pairs: a compliant answer over a worse one for the same instruction",
  },
  iopo: {
    method: "iopo",
    data: "iopo",
    label: "IOPO",
    description: "IOPO (paper eq. 9) on the IOPO groups <x1, y1, x2, y2>: input and output preference",
  },
  iopo_star: {
    method: "iopo_star",
    data: "iopo",
    label: "IOPO*",
    description: "IOPO* (appendix eq. 11): three sequences, x1 with both responses and x2 with y1",
  },
  iopo_input_only: {
    method: "iopo_input_only",
    data: "iopo",
    label: "w/o output pref.",
    description: "IOPO ablation keeping only the input preference (Table 4: y fixed, x1 vs x2)",
  },
  iopo_output_only: {
    method: "iopo_output_only",
    data: "iopo",
    label: "w/o input pref.",
    description:
      "IOPO ablation keeping only the output preference (Table 4: x fixed, y1 vs y2); its two pairs train as separate DPO examples, so it is DPO* under another name",
  },
  simpo: {
    method: "simpo",
    data: "dpo",
    label: "SimPO",
    description: "SimPO (length-normalised, reference-free, margin gamma) on the DPO pairs",
  },
  orpo: {
    method: "orpo",
    data: "dpo",
    label: "ORPO",
    description: "ORPO (SFT loss plus odds-ratio preference, reference-free) on the DPO pairs",
  },
  dpo_star: {
    method: "dpo",
    data: "iopo",
    label: "DPO*",
    description:
      "DPO on the IOPO groups' two output pairs (x1: y1 > y2, x2: y2 > y1): IOPO's tokens (figure 4); the same training as the ablation without input preference",
  },
  ppo: {
    method: "ppo",
    data: "prompts",
    label: "PPO",
    description:
      "PPO (TRL semantics: rollouts, per-token KL to the SFT reference, value head, GAE, clipped losses) against a reward model trained (method rm) on the DPO pairs from the SFT checkpoint, the paper's PPO baseline",
  },
  grpo: {
    method: "grpo",
    data: "prompts",
    label: "GRPO",
    description:
      "GRPO with verifiable rewards: num_generations samples per prompt, group-normalised advantages; on the world the reward is the share of constraints the world's rule checks find met",
  },
  sft_star: {
    method: "sft",
    data: "iopo",
    label: "SFT*",
    description: "SFT on the IOPO groups' matched pairs {x1, y1}, {x2, y2}: IOPO's tokens (figure 5)",
  },
};

/** The two starting points every table has: the model before SFT and the SFT checkpoint itself. */
export const START_ROWS: MethodInfo[] = [
  { id: "base", label: "Base", kind: "start", description: "the starting model before SFT" },
  { id: "sft", label: "SFT", kind: "start", description: "the SFT checkpoint every method starts from" },
];

/** A plan's methods as full specs (names looked up in KNOWN_METHODS), checked for unknown names and duplicates. */
export function resolveMethods(methods: readonly (string | MethodSpec)[], source: string): (MethodSpec & MethodInfo)[] {
  const seen = new Set<string>(START_ROWS.map((r) => r.id));
  return methods.map((m, i) => {
    const spec: MethodSpec =
      typeof m === "string"
        ? (() => {
            const known = KNOWN_METHODS[m];
            if (!known)
              throw new DataError(
                source,
                undefined,
                `methods.${i}`,
                `unknown method "${m}"; known: ${Object.keys(KNOWN_METHODS).join(", ")} (or give {id, method, data})`,
              );
            return { id: m, ...known };
          })()
        : m;
    if (seen.has(spec.id)) throw new DataError(source, undefined, `methods.${i}`, `duplicate row id "${spec.id}"`);
    seen.add(spec.id);
    const known = KNOWN_METHODS[spec.id];
    return {
      ...spec,
      label: spec.label ?? known?.label ?? spec.id,
      kind: "method" as const,
      description: spec.description ?? known?.description ?? `${spec.method} on the ${spec.data} data`,
    };
  });
}

/** A named layer of `iopo train` keys (the plan section it comes from names it in errors). */
export interface KeySection {
  name: string;
  values: Record<string, unknown>;
}

/**
 * The train keys of one row, lowest first: `train:` (what every row shares), then `online:` for the rollout rows, then
 * the row's own `overrides`. The experiment's runs and its dry run read them from here.
 */
export function methodSections(plan: ResolvedPlan, spec: MethodSpec): KeySection[] {
  return [
    { name: "train", values: plan.train },
    ...(isRolloutMethod(spec.method) && plan.online ? [{ name: "online", values: plan.online }] : []),
    ...(spec.overrides ? [{ name: `methods.${spec.id}.overrides`, values: spec.overrides }] : []),
  ];
}

/** The train keys of PPO's reward model: `train:`, then `reward_model:`. */
export function rewardModelSections(plan: ResolvedPlan): KeySection[] {
  return [
    { name: "train", values: plan.train },
    ...(plan.reward_model ? [{ name: "reward_model", values: plan.reward_model }] : []),
  ];
}

/** The file a row trains on; the rollout prompts default to the DPO pairs' prompts, else the IOPO groups'. */
export function methodDataset(files: ExperimentData["files"], data: MethodSpec["data"]): string | undefined {
  return data === "prompts" ? (files.prompts ?? files.dpo ?? files.iopo) : files[data];
}
