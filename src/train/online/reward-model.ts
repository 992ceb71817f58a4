import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PreferencePair } from "../../data/formats/types.js";
import type { ChatMessage } from "../../data/schemas.js";
import { checkVocabulary, encodeTrainingExample } from "../../model/chat-encoding.js";
import type { ModelConfig } from "../../model/config.js";
import {
  type ContextLimit,
  contextLimit,
  fitScoring,
  type RowPlace,
  type ScoringRow,
} from "../../model/context-fit.js";
import type { EngineOptions } from "../../model/decoder.js";
import { SCORE_WEIGHT } from "../../model/decoder-graph.js";
import {
  createHeadsRunner,
  createHeadsTrainingStep,
  type HeadsRunner,
  type HeadsTrainingStep,
} from "../../model/decoder-heads.js";
import { loraBranch } from "../../model/decoder-lora.js";
import { loadModelFolder } from "../../model/model-folder.js";
import type { Weights } from "../../model/weights.js";
import type { TrainConfig } from "../config.js";
import { loadTrainingData } from "../dataset.js";
import { mergeLora } from "../lora.js";
import type { MicroBatchResult, TrainableModel } from "../model-api.js";
import { prepareOutputDir } from "../output-dir.js";
import { rowSequences, type TokenSequence, truncationStats } from "../sequences.js";
import { runTraining, type TrainRunResult } from "../trainer.js";
import { rewardGraphLoss, rewardLoss } from "./losses.js";
import { type OnlineModel, saveRewardModelFolder, setupOnlineModel } from "./model.js";

/**
 * `--method rm`: a reward model trained on preference pairs with TRL RewardTrainer's semantics - the decoder with
 * a scalar head on the last token (transformers' `*ForSequenceClassification`), the Bradley-Terry loss
 * -log sigma(r_chosen - r_rejected) averaged over pairs, plus `center_rewards_coefficient` * mean((r_c + r_r)^2)
 * when set; logged as TRL does: `loss`, `accuracy` (share of pairs with r_c > r_r), `margin` (mean r_c - r_r),
 * `min_reward`, `mean_reward`, `max_reward`. Sequences are the chat template's rendering of (prompt, response),
 * exactly as the preference trainers encode them, so the score reads the end-of-turn token; both responses of a
 * pair share one prompt pass. Data: DPO pairs, or IOPO groups expanded to their two pairs (x1: y1 > y2,
 * x2: y2 > y1). Not supported: TRL's per-pair `margin` column.
 *
 * The run reuses the offline trainer (plan, accumulation, clipping, AdamW, schedule, trainer_log.jsonl, eval,
 * checkpoints, resume); checkpoints and output_dir are reward-model folders (`Qwen2ForSequenceClassification` /
 * `LlamaForSequenceClassification`, `num_labels: 1`, `score.weight`), or with LoRA a PEFT SEQ_CLS adapter with the
 * score head in `modules_to_save` plus the merged folder in `merged/`.
 */
export class RewardModelTrainable implements TrainableModel<PreferencePair> {
  readonly params: Map<string, Float32Array>;
  private cache = new WeakMap<PreferencePair, TokenSequence[]>();

  constructor(
    private readonly model: OnlineModel,
    private readonly step: Pick<HeadsTrainingStep, "run">,
    private readonly runner: HeadsRunner,
    private readonly cfg: TrainConfig,
  ) {
    this.params = model.params;
  }

  /** [chosen, rejected], truncated together (max_length, truncation_mode) as the DPO trainer does. */
  sequences(row: PreferencePair): TokenSequence[] {
    let s = this.cache.get(row);
    if (!s) {
      s = rowSequences(row, "dpo", this.model.encode, this.cfg.max_length, this.cfg.truncation_mode);
      this.cache.set(row, s);
    }
    return s;
  }

  responseTokens(row: PreferencePair): number {
    const [c] = this.sequences(row);
    return c!.ids.length - c!.responseStart;
  }

  private flat(rows: readonly PreferencePair[]) {
    const seqs = rows.flatMap((r) => this.sequences(r));
    return {
      ids: seqs.map((s) => s.ids),
      // the score reads the last token; responseStart only lets the pair share its prompt pass
      responseStart: seqs.map((s) => s.responseStart),
      tokens: seqs.reduce((a, s) => a + s.ids.length, 0),
    };
  }

  async trainStep(
    rows: readonly PreferencePair[],
    _method: unknown,
    _loss: unknown,
    grads: Map<string, Float32Array>,
    weight: number,
    at?: { step: number },
  ): Promise<MicroBatchResult> {
    const b = this.flat(rows);
    const r = await this.step.run(this.model.weights, {
      ...b,
      dropout: this.model.dropoutSeed === undefined ? undefined : { seed: this.model.dropoutSeed, step: at?.step ?? 0 },
    });
    for (const [name, g] of grads) {
      const eg = r.grads.get(name);
      if (!eg) throw new Error(`the reward-model step returned no gradient for ${name}`);
      for (let i = 0; i < g.length; i++) g[i] += weight * eg[i]!;
    }
    const scalar = rewardLoss(r.score!, { centerRewardsCoefficient: this.cfg.center_rewards_coefficient });
    if (Number.isFinite(r.loss) && Math.abs(r.loss - scalar.loss) > 1e-3 * (1 + Math.abs(scalar.loss)))
      throw new Error(`engine loss ${r.loss} disagrees with the scalar reward loss ${scalar.loss}`);
    return { loss: r.loss, metrics: { ...scalar.metrics }, tokens: b.tokens };
  }

  async evalStep(rows: readonly PreferencePair[]): Promise<MicroBatchResult> {
    const b = this.flat(rows);
    const out = await this.runner.run(this.model.weights, b);
    const scalar = rewardLoss(out.score!, { centerRewardsCoefficient: this.cfg.center_rewards_coefficient });
    return { loss: scalar.loss, metrics: { ...scalar.metrics }, tokens: b.tokens };
  }

  save(dir: string): void {
    this.model.save(dir);
  }

  load(dir: string): void {
    this.model.load(dir);
  }
}

export interface RewardTrainResult extends TrainRunResult {
  truncation: ReturnType<typeof truncationStats>;
}

export async function trainRewardModel(
  cfg: TrainConfig,
  o: {
    resume?: boolean;
    onLog?: (row: Record<string, unknown>) => void;
    onStatus?: (m: string) => void;
    stopAfter?: number;
    engine?: EngineOptions;
  } = {},
): Promise<RewardTrainResult> {
  const status = o.onStatus ?? (() => {});
  const data = loadTrainingData(cfg);
  // output_dir first (refused, resumed from which checkpoint, or cleared), as the offline methods do
  const prepared = prepareOutputDir(cfg.output_dir, { resume: o.resume, overwrite: cfg.overwrite_output_dir }, status);
  const model = setupOnlineModel(cfg, { heads: "score", withoutLmHead: true });
  const trainable = new Set(model.trainable);
  const center = cfg.center_rewards_coefficient;
  const config = model.folder.config;
  const step = await createHeadsTrainingStep(config, {
    ...o.engine,
    score: true,
    trainable: (n) => trainable.has(n),
    adaptLinear: model.adaptLinear,
    loss: rewardGraphLoss({ centerRewardsCoefficient: center }),
  });
  const runner = await createHeadsRunner(config, {
    ...o.engine,
    score: true,
    adaptLinear: model.lora
      ? loraBranch({ targets: model.lora.leafs, rank: model.lora.spec.rank, alpha: model.lora.spec.alpha, dropout: 0 })
      : undefined,
  });
  const trainableModel = new RewardModelTrainable(model, step, runner, cfg);
  const rows = [...data.train.rows, ...data.eval.rows] as PreferencePair[];
  const truncation = truncationStats(rows.map((r) => trainableModel.sequences(r)));
  if (truncation.truncated > 0)
    status(`max_length ${cfg.max_length}: ${truncation.truncated} of ${truncation.examples} pairs truncated`);
  const result = await runTraining({
    config: cfg,
    model: trainableModel,
    train: data.train.rows as PreferencePair[],
    eval: data.eval.rows as PreferencePair[],
    resume: o.resume,
    prepared,
    onLog: o.onLog,
    onStatus: status,
    stopAfter: o.stopAfter,
  });
  // LoRA runs also get the merged model; again when a resumed run trained further (an extended budget)
  const mergedMissing = !existsSync(join(cfg.output_dir, "merged", "config.json"));
  if (model.lora && result.finished && (mergedMissing || result.startStep < result.globalStep)) {
    const adapters: Weights = new Map([...model.weights].filter(([k]) => k.includes(".lora_")));
    const merged = mergeLora(model.base, adapters, model.lora.spec);
    merged.set(SCORE_WEIGHT, model.weights.get(SCORE_WEIGHT)!);
    saveRewardModelFolder(model.folder, join(cfg.output_dir, "merged"), merged);
  }
  return { ...result, truncation };
}

// ---------------------------------------------------------------- scoring with a reward model

/** A loaded reward model: scores (prompt, response) texts with its own tokenizer and chat template. */
export interface RewardModelScorer {
  dir: string;
  config: ModelConfig;
  /** The token limit of a scored sequence: min(maxLength, the model's max_position_embeddings). */
  limit: ContextLimit;
  /** The (prompt, response) sequence as in training (the chat template's rendering), before any cut. */
  encode(item: { prompt: ChatMessage[]; response: string }, place?: RowPlace): ScoringRow;
  /** Scores of sequences that fit `limit` (see fitScoring). */
  scoreSequences(seqs: readonly { ids: Int32Array; responseStart: number }[]): Promise<Float64Array>;
  /** encode, cut an over-long sequence by the training rule (src/model/context-fit.ts, truncate), score. */
  score(items: readonly { prompt: ChatMessage[]; response: string }[]): Promise<Float64Array>;
}

/**
 * Load a reward model folder: a `*ForSequenceClassification` folder, or a LoRA reward-model adapter (merged on
 * load). Texts are encoded as in training (the chat template's rendering of prompt + response), and a sequence over
 * the model's context (max_position_embeddings, or a smaller `maxLength`) is cut as training cuts it: the prompt
 * keeps its start and the template's assistant header, the response its first tokens (LLaMA-Factory's infer_seqlen).
 */
export async function loadRewardModel(
  dir: string,
  o: EngineOptions & { maxLength?: number; maxBatchTokens?: number } = {},
): Promise<RewardModelScorer> {
  const folder = loadModelFolder(dir);
  const weights = folder.checkpoint!.weights;
  if (!weights.has(SCORE_WEIGHT))
    throw new Error(`${dir}: not a reward model (no ${SCORE_WEIGHT}; train one with \`iopo train --method rm\`)`);
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  const { maxLength, ...engine } = o;
  const runner = await createHeadsRunner(folder.config, { ...engine, score: true });
  const limit = contextLimit(folder.config, maxLength);
  const encode = (it: { prompt: ChatMessage[]; response: string }, place: RowPlace = { file: dir }): ScoringRow => {
    const e = encodeTrainingExample(codec, { conversation: it.prompt, response: it.response }, place.file);
    checkVocabulary(e.ids, folder.config.vocab_size, place.file, place.line);
    return { ids: e.ids, responseStart: e.responseStart, suffix: e.promptSuffix, place };
  };
  const scoreSequences = async (seqs: readonly { ids: Int32Array; responseStart: number }[]) => {
    if (seqs.length === 0) return new Float64Array(0);
    const out = await runner.run(weights, {
      ids: seqs.map((e) => e.ids),
      responseStart: seqs.map((e) => e.responseStart),
    });
    return out.score!;
  };
  return {
    dir,
    config: folder.config,
    limit,
    encode,
    scoreSequences,
    async score(items) {
      const fit = fitScoring(
        items.map((it) => encode(it)),
        limit,
        "truncate",
      );
      return scoreSequences(fit.sequences.map((q) => q!));
    },
  };
}
