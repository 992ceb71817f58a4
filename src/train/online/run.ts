import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../data/errors.js";
import type { EngineOptions } from "../../model/decoder.js";
import { createHeadsRunner, createHeadsTrainingStep } from "../../model/decoder-heads.js";
import { loraBranch } from "../../model/decoder-lora.js";
import { createGenerator } from "../../model/generate.js";
import { saveModelFolder } from "../../model/model-folder.js";
import type { TrainConfig } from "../config.js";
import { prepareOutputDir } from "../output-dir.js";
import type { TruncationStats } from "../sequences.js";
import { GrpoAlgorithm } from "./grpo.js";
import { formatTiming, type OnlineAlgorithm, runOnlineLoop, type Timing } from "./loop.js";
import { grpoGraphLoss, ppoGraphLoss } from "./losses.js";
import { setupOnlineModel } from "./model.js";
import { PpoAlgorithm } from "./ppo.js";
import { loadPromptData } from "./prompts.js";
import { trainRewardModel } from "./reward-model.js";
import { builtinRewards, type RewardRegistry, resolveRewards, rewardModelReward } from "./rewards.js";
import { encodePrompts, type Sampler } from "./rollout.js";

/**
 * `iopo train --method rm | ppo | grpo`: the online methods on the same engine as the offline ones (src/model:
 * the decoder graph with per-token, value and score heads; KV-cache generation for rollouts).
 *
 *   trainOnline(cfg, { rewards?, resume?, onLog?, onStatus?, stopAfter?, engine? }) -> OnlineTrainResult
 *
 * `rewards` adds reward functions to the built-in ones (`rules`, `rules_all`, reward model folders) by name: the
 * CLI and the experiment register the constraint world's (`world`, `world_all`) and IFEval's (`ifeval`,
 * `ifeval_all`) there, since those live above the training layer.
 */
export interface OnlineTrainOptions {
  resume?: boolean;
  onLog?: (row: Record<string, unknown>) => void;
  onStatus?: (message: string) => void;
  stopAfter?: number;
  /** reward functions by name, beside the built-in ones */
  rewards?: RewardRegistry;
  engine?: EngineOptions;
}

export interface OnlineTrainResult {
  globalStep: number;
  /** the step this invocation started from (> 0 after resume) */
  startStep: number;
  totalSteps: number;
  lastCheckpoint: string | undefined;
  finished: boolean;
  /** prompts (ppo, grpo) or pairs (rm) that max_length cut */
  truncation: TruncationStats;
  /** where the time of a rollout run went (ppo, grpo) */
  timing?: Timing;
}

export async function trainOnline(cfg: TrainConfig, o: OnlineTrainOptions = {}): Promise<OnlineTrainResult> {
  if (cfg.method === "rm") return trainRewardModel(cfg, o);
  if (cfg.method !== "ppo" && cfg.method !== "grpo") throw new Error(`trainOnline: ${cfg.method} is not online`);
  const status = o.onStatus ?? (() => {});
  const ppo = cfg.method === "ppo";
  const data = loadPromptData(cfg);
  if (data.train.length === 0) throw new DataError(cfg.dataset, undefined, undefined, "no training prompts");
  // output_dir first (refused, resumed from which checkpoint, or cleared), before loading models and reward models
  const prepared = prepareOutputDir(cfg.output_dir, { resume: o.resume, overwrite: cfg.overwrite_output_dir }, status);
  const model = setupOnlineModel(cfg, { heads: ppo ? "value" : "none", frozenReference: true });
  const folder = model.folder;
  const config = folder.config;
  const maxNew = cfg.max_completion_length!;
  const maxPrompt = cfg.max_length - maxNew;
  if (maxPrompt < 1)
    throw new DataError("config", undefined, "max_length", `must exceed max_completion_length (${maxNew})`);
  const encode = (rows: typeof data.train) =>
    encodePrompts(model.folder, rows, maxPrompt, cfg.truncation_mode, config.vocab_size);
  const train = encode(data.train);
  const evalPrompts = encode(data.eval);
  const cut = [...train, ...evalPrompts].filter((p) => p.cut).length;
  if (cut > 0)
    status(
      `max_length ${cfg.max_length} - max_completion_length ${maxNew}: ${cut} prompts cut (${cfg.truncation_mode})`,
    );
  const truncation = { examples: train.length + evalPrompts.length, truncated: cut, prompts: cut, responses: 0 };
  // as train --dry-run says: rollouts past the model's positions run on positions it was never trained on
  const positions = config.max_position_embeddings;
  const beyond = [...train, ...evalPrompts].filter((p) => p.ids.length + maxNew > positions).length;
  if (beyond > 0)
    status(
      `warning: ${beyond} prompt(s) + max_completion_length ${maxNew} exceed the model's max_position_embeddings ` +
        `${positions}: set max_length <= ${positions}`,
    );

  // ---- rewards
  const registry = { ...builtinRewards(), ...(o.rewards ?? {}) };
  const rewards = ppo
    ? [await rewardModelReward(cfg.reward_model_path!, { engine: o.engine, maxLength: cfg.max_length })]
    : await resolveRewards(cfg.reward_funcs!, registry, { engine: o.engine, maxLength: cfg.max_length });
  for (const r of rewards) {
    if (!r.applies) continue;
    const n = data.train.filter((p) => r.applies!(p.record)).length;
    if (n === 0)
      throw new DataError(
        cfg.dataset,
        undefined,
        "reward_funcs",
        `reward function "${r.name}" can score none of the ${data.train.length} training prompts (their records lack what it checks)`,
      );
    if (n < data.train.length)
      status(`reward function ${r.name} applies to ${n} of ${data.train.length} training prompts (null elsewhere)`);
  }

  // ---- engine: training step, forward runners, sampler
  const trainable = new Set(model.trainable);
  const T = cfg.temperature!;
  const noDropout = model.lora
    ? loraBranch({ targets: model.lora.leafs, rank: model.lora.spec.rank, alpha: model.lora.spec.alpha, dropout: 0 })
    : undefined;
  const step = await createHeadsTrainingStep(config, {
    ...o.engine,
    logp: true,
    entropy: true,
    values: ppo,
    temperature: T,
    trainable: (n) => trainable.has(n),
    adaptLinear: model.adaptLinear,
    loss: ppo
      ? ppoGraphLoss({ cliprange: cfg.cliprange, cliprangeValue: cfg.cliprange_value, vfCoef: cfg.vf_coef })
      : grpoGraphLoss({
          epsilonLow: cfg.epsilon,
          epsilonHigh: cfg.epsilon_high ?? cfg.epsilon,
          beta: cfg.beta,
          oldLogp: cfg.num_iterations > 1 ? "input" : "detached",
        }),
  });
  const needsPolicyRunner = ppo || cfg.num_iterations > 1;
  const policyRunner = needsPolicyRunner
    ? await createHeadsRunner(config, { ...o.engine, logp: true, values: ppo, temperature: T, adaptLinear: noDropout })
    : undefined;
  const needsReference = ppo || cfg.beta !== 0;
  const reference = needsReference
    ? {
        runner: await createHeadsRunner(config, { ...o.engine, logp: true, temperature: T }),
        weights: model.base,
      }
    : undefined;
  let fullSampler: Sampler | undefined;
  // full fine-tuning: one decode graph reads the trained buffers in place; LoRA: the merged weights of the moment
  const sampler = async (): Promise<Sampler> => {
    if (model.lora) return createGenerator(config, model.merged(), o.engine);
    fullSampler ??= await createGenerator(config, model.weights, o.engine);
    return fullSampler;
  };
  const decode = (ids: Int32Array) => folder.tokenizer.decode(ids, true);
  const common = {
    cfg,
    train,
    eval: evalPrompts,
    sampler,
    step,
    weights: () => model.weights,
    eosTokenIds: model.eosTokenIds,
    decode,
    dropoutSeed: model.dropoutSeed,
  };
  const algorithm: OnlineAlgorithm = ppo
    ? new PpoAlgorithm({ ...common, reward: rewards[0]!, policyRunner: policyRunner!, reference: reference! })
    : new GrpoAlgorithm({ ...common, rewards, policyRunner, reference });
  status(
    `${cfg.method}: ${train.length} training + ${evalPrompts.length} validation prompts (${data.format}); ` +
      `${algorithm.totalSteps} steps; rewards: ${rewards.map((r) => r.name).join(", ")}`,
  );
  const result = await runOnlineLoop({
    cfg,
    algorithm,
    params: model.params,
    saveModel: model.save,
    loadModel: model.load,
    resume: o.resume,
    prepared,
    onStatus: status,
    stopAfter: o.stopAfter,
    onLog: o.onLog,
  });
  // LoRA runs also get the merged model; again when a resumed run trained further (an extended budget)
  const mergedMissing = !existsSync(join(cfg.output_dir, "merged", "config.json"));
  if (model.lora && result.finished && (mergedMissing || result.startStep < result.globalStep)) {
    const merged = new Map([...model.merged()].filter(([k]) => !k.startsWith("v_head.")));
    saveModelFolder(folder, join(cfg.output_dir, "merged"), merged);
  }
  status(`${cfg.method} time: ${formatTiming(result.timing)}`);
  return { ...result, truncation };
}
