/**
 * `iopo/train`: preference training (paper section 5, appendix E). A LLaMA-Factory-style YAML config, the losses
 * (SFT, DPO, IOPO eq. 9, IOPO* eq. 11, the two Table 4 ablations, SimPO, ORPO) as scalar functions with their
 * gradients and as the one per-sequence weight table the training graph is built from (`METHOD_WEIGHTS`), AdamW with
 * torch's update, learning-rate schedules, gradient clipping, LoRA, Trainer-style checkpoints, and `trainFromConfig`,
 * which runs `iopo train` (ONNX Runtime is loaded only when it starts the model). The online methods (`method: rm |
 * ppo | grpo`, src/train/online/) run through `trainFromConfig` too; their reward functions, prompt datasets and
 * rollout plan are exported here, and `scoreRows` is `iopo score`.
 *
 * @example
 * import { defaultLossOptions, iopoLoss, loadTrainConfig, trainFromConfig } from "iopo/train";
 *
 * // IOPO on one group: summed response log-probs under the policy and the frozen reference, and token counts.
 * const seq = (policy: number, reference: number) => ({ policy, reference, tokens: 12 });
 * const group = { chosen_v1: seq(-20, -21), rejected_v1: seq(-25, -24), chosen_v2: seq(-18, -19), rejected_v2: seq(-30, -29) };
 * const { loss, grad } = iopoLoss([group], { ...defaultLossOptions, beta: 0.1 });
 * console.log(loss, grad[0].chosen_v1); // -log sigmoid(0.1 * 4), and d loss / d log pi(y1|x1)
 *
 * const cfg = loadTrainConfig("examples/train-iopo.yaml", ["--num_train_epochs", "1", "--output_dir=runs/iopo-model"]);
 * const result = await trainFromConfig(cfg, { onLog: (row) => console.log(row) });
 * console.log(result.globalStep, result.totalSteps);
 */
export {
  AdamW,
  type AdamWExecutor,
  type AdamWOptions,
  type AdamWParamState,
  adamwUpdate,
  adamwUpdateReference,
} from "./adamw.js";
export {
  checkpointModelDir,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
export { clipGradNorm } from "./clip.js";
export {
  CONFIG_ALIASES,
  CONFIG_KEYS,
  type ConfigLayer,
  loadTrainConfig,
  loraAlpha,
  parseOverrides,
  readConfigFile,
  resolveConfig,
  type TrainConfig,
  TrainConfigSchema,
} from "./config.js";
export { loadTrainingData, type TrainingData } from "./dataset.js";
export {
  EngineModel,
  type EngineModelOptions,
  type ReferenceLogprobs,
  ReferenceTable,
  type SequenceLogprobs,
} from "./engine-model.js";
export {
  buildGraphLoss,
  type LossGraph,
  type LossGraphContext,
  TOKEN_NORMALIZER_INPUT,
  tokenNormalizerInput,
  trainingLoss,
} from "./graph-losses.js";
export {
  initLora,
  LORA_ALL_MODULES,
  type LoraSpec,
  loraAName,
  loraBName,
  loraTargets,
  mergeLora,
  saveLoraAdapter,
} from "./lora.js";
export {
  computeLoss,
  defaultLossOptions,
  dpoLoss,
  type Example,
  type ExampleGrad,
  IOPO_STAR_PI1_SCALE,
  iopoAblationLoss,
  iopoLoss,
  iopoStarLoss,
  type LossOptions,
  type LossOutput,
  METHOD_SEQUENCES,
  METHOD_WEIGHTS,
  METHODS,
  type Method,
  type MethodWeights,
  methodDataKind,
  orpoLoss,
  type PrefLossType,
  type SeqLogps,
  type SeqName,
  type SequenceScore,
  sftLoss,
  simpoLoss,
  usesReference,
} from "./losses/index.js";
export type { MicroBatchResult, TrainableModel } from "./model-api.js";
export {
  isOnlineMethod,
  isRolloutMethod,
  ONLINE_DEFAULTS,
  ONLINE_METHODS,
  type OnlineMethod,
  type TrainMethod,
} from "./online/config.js";
export { type RolloutPlan, rolloutPlan } from "./online/plan.js";
export { loadPromptData, type PromptData, type PromptRow, promptRowsOf } from "./online/prompts.js";
export {
  builtinRewards,
  checkRewardNames,
  constraintReward,
  type NamedReward,
  type RewardFactory,
  type RewardFunction,
  type RewardInput,
  type RewardRegistry,
  resolveRewards,
  rewardModelReward,
  ruleReward,
} from "./online/rewards.js";
export { type ScoreArgs, type ScoreSummary, scoreRows } from "./online/score.js";
export { type TrainFromConfigOptions, type TrainFromConfigResult, trainFromConfig } from "./run.js";
export { LR_SCHEDULERS, LrSchedule, type LrSchedulerType, lrLambda, warmupSteps } from "./schedule.js";
export { rowSequences, rowTexts, type SequenceEncoder, type TokenSequence, type TrainRow } from "./sequences.js";
export {
  lossOptionsFromConfig,
  runTraining,
  TrainingDivergedError,
  type TrainRunOptions,
  type TrainRunResult,
} from "./trainer.js";
export { TRUNCATION_MODES, type TruncationMode } from "./truncation.js";
