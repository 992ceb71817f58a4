import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TrainingStep } from "../model/decoder.js";
import type { Weights } from "../model/weights.js";
import type { TrainConfig } from "./config.js";
import { loadTrainingData, trainingMethod } from "./dataset.js";
import { EngineModel, ReferenceTable } from "./engine-model.js";
import { trainingLoss } from "./graph-losses.js";
import { type LoraSpec, mergeLora, saveLoraAdapter } from "./lora.js";
import { loraFromConfig } from "./lora-setup.js";
import { type LossOptions, type Method, usesReference } from "./losses/index.js";
import { isOnlineMethod } from "./online/config.js";
import type { Timing } from "./online/loop.js";
import type { RewardRegistry } from "./online/rewards.js";
import { prepareOutputDir } from "./output-dir.js";
import {
  type IdenticalPromptStats,
  identicalPromptStats,
  identicalPromptWarning,
  type SequenceEncoder,
  type TrainRow,
  type TruncationStats,
  truncationStats,
} from "./sequences.js";
import { readF32Tensors } from "./tensor-file.js";
import { runTraining, type TrainRunResult } from "./trainer.js";

/**
 * Wiring of `iopo train` to the model folder (src/model: config, weights, tokenizer, chat template, reference
 * log-prob cache) and the ONNX Runtime engine (src/model/decoder.ts). Those modules are imported on first use, so
 * that data/config commands never start ONNX Runtime; the literal import() expressions keep them type-checked.
 */
async function importModel() {
  try {
    const [folder, checkpoint, chat, logprobs, cache, decoder, lora] = await Promise.all([
      import("../model/model-folder.js"),
      import("../model/checkpoint.js"),
      import("../model/chat-encoding.js"),
      import("../model/logprobs.js"),
      import("../model/logprob-cache.js"),
      import("../model/decoder.js"),
      import("../model/decoder-lora.js"),
    ]);
    return { model: { ...folder, ...checkpoint, ...chat, ...logprobs, ...cache }, engine: { ...decoder, ...lora } };
  } catch (err) {
    throw new Error(
      `the training engine is not available in this build (${(err as Error).message}); ` +
        "use --dry-run to validate, or `iopo export llamafactory` to train with LLaMA-Factory",
    );
  }
}

export interface TrainFromConfigOptions {
  resume?: boolean;
  onLog?: (row: Record<string, unknown>) => void;
  onStatus?: (message: string) => void;
  /** Stop after this many optimizer steps of this invocation, as if killed (tests of resume). */
  stopAfter?: number;
  /** rm, ppo, grpo: reward functions by name beside the built-in ones (src/train/online/rewards.ts) */
  rewards?: RewardRegistry;
}

export interface TrainFromConfigResult extends TrainRunResult {
  /** Examples (training + validation) that max_length cut. */
  truncation: TruncationStats;
  /**
   * IOPO groups (training + validation) whose x1 and x2 are the same tokens after truncation (they train nothing);
   * absent for the online methods.
   */
  identicalPrompts?: IdenticalPromptStats;
  /** ppo, grpo: where the time went (generation, scoring, update, eval, saving) */
  timing?: Timing;
}

/** `iopo train`: data, model folder, reference log-probs (cached), engine step, training loop, saving. */
export async function trainFromConfig(
  cfg: TrainConfig,
  o: TrainFromConfigOptions = {},
): Promise<TrainFromConfigResult> {
  if (isOnlineMethod(cfg.method)) {
    const online = await import("./online/run.js");
    return online.trainOnline(cfg, o);
  }
  const status = o.onStatus ?? (() => {});
  const data = loadTrainingData(cfg);
  // output_dir first (refused, resumed from which checkpoint, or cleared), before minutes of reference log-probs
  const prepared = prepareOutputDir(cfg.output_dir, { resume: o.resume, overwrite: cfg.overwrite_output_dir }, status);
  const { model: M, engine: E } = await importModel();
  const folder = M.loadModelFolder(cfg.model_name_or_path);
  if (!folder.checkpoint) throw new Error(`${cfg.model_name_or_path}: no weights`);
  const config = folder.config;
  const base = folder.checkpoint.weights;
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  const encode: SequenceEncoder = (prompt, response) => {
    const e = M.encodeTrainingExample(codec, { conversation: prompt, response });
    return { ids: e.ids, responseStart: e.responseStart, promptSuffix: e.promptSuffix };
  };
  // The loss the trainer runs (the ablations on separate pairs train in DPO's form on their pairs).
  const method = trainingMethod({ method: cfg.method, ablation_pairs: cfg.ablation_pairs });
  const shapes = new Map([...base].map(([k, t]) => [k, t.shape]));

  // Trainable parameters: all weights (full) or fresh LoRA adapters on top of the frozen base.
  let weights: Weights = base;
  let trainable: string[];
  let lora: { spec: LoraSpec; leafs: string[] } | undefined;
  if (cfg.finetuning_type === "lora") {
    const { spec, leafs, adapters } = loraFromConfig(cfg, shapes);
    weights = new Map([...base, ...adapters]);
    trainable = [...adapters.keys()];
    lora = { spec, leafs };
  } else {
    // Trained in place: the reference log-probs are computed (below) before the first update.
    trainable = [...weights.keys()];
  }
  const trainableSet = new Set(trainable);
  // base holds no adapter tensors, so merging into it gives a plain HF weight set
  const merged = (w: Weights) => (lora ? mergeLora(base, w, lora.spec) : w);

  const runner = await E.createLogprobRunner(config);
  const table = new ReferenceTable();
  // LoRA as PEFT's activation-path branch y = W x + (alpha/r) B A dropout(x), with deterministic masks when
  // lora_dropout > 0 (training steps only; eval and reference log-probs use the merged weights and never drop). The
  // branch is faster than the weight transform W + (alpha/r) B A at every bench shape (it never forms the [out, in]
  // gradient of the merged weight): bench/lora-dropout.ts.
  const dropout = lora && cfg.lora_dropout > 0 ? cfg.lora_dropout : 0;
  const loraOpts = lora && { targets: lora.leafs, rank: lora.spec.rank, alpha: lora.spec.alpha };
  const steps = new Map<string, Promise<TrainingStep>>();
  const trainingStep = (m: Method, loss: LossOptions) => {
    const key = JSON.stringify([m, loss]);
    let s = steps.get(key);
    if (!s) {
      s = E.createTrainingStep(config, {
        trainable: (name) => trainableSet.has(name),
        loss: trainingLoss(m, loss),
        adaptLinear: loraOpts ? E.loraBranch({ ...loraOpts, dropout }) : undefined,
      });
      steps.set(key, s);
    }
    return s;
  };

  // A checkpoint (and output_dir) is what HF Trainer writes: a full model folder, or with LoRA PEFT's adapter
  // files next to the tokenizer and chat template. The adapter names its base by absolute path, so it loads
  // (transformers + peft, `iopo generate --model`) from any working directory.
  const save = (dir: string, w: Weights) => {
    if (lora) {
      const adapters = new Map(trainable.map((n) => [n, w.get(n)!]));
      const baseModel = resolve(cfg.model_name_or_path);
      saveLoraAdapter(dir, adapters, lora.spec, { baseModel, dropout: cfg.lora_dropout });
      M.copyTokenizerFiles(folder, dir);
    } else M.saveModelFolder(folder, dir, w);
  };
  const load = (dir: string): Weights => {
    if (!lora) return M.readCheckpoint(dir).weights;
    const t = readF32Tensors(join(dir, "adapter_model.safetensors"));
    return new Map([...t].map(([k, v]) => [k.replace(/^base_model\.model\./, ""), v]));
  };

  const model = new EngineModel({
    weights,
    trainable,
    trainingStep,
    evalLogprobs: (w, seqs) =>
      runner.sequenceLogprobs(merged(w), {
        ids: seqs.map((s) => s.ids),
        responseStart: seqs.map((s) => s.responseStart),
      }),
    reference: table.lookup,
    vocabSize: config.vocab_size,
    dropoutSeed: dropout > 0 ? cfg.seed : undefined,
    encode,
    maxLength: cfg.max_length,
    truncationMode: cfg.truncation_mode,
    save,
    load,
  });

  // Every row encoded and truncated once (cached in the model); what max_length cut is reported, never silent.
  const rows = [...data.train.rows, ...data.eval.rows] as TrainRow[];
  const sequencesByRow = rows.map((r) => model.sequences(r, method));
  const truncation = truncationStats(sequencesByRow);
  if (truncation.truncated > 0)
    status(
      `max_length ${cfg.max_length}: ${truncation.truncated} of ${truncation.examples} examples truncated ` +
        `(${truncation.prompts} prompts cut, ${cfg.truncation_mode === "keep_start" ? "keeping their start and the template's assistant header" : "keeping their last tokens"}; ` +
        `${truncation.responses} responses cut)`,
    );

  const identicalPrompts = identicalPromptStats(sequencesByRow, method, (i) => {
    const id = (rows[i] as { id?: string }).id;
    return id !== undefined ? `id ${id}` : `row ${i}`;
  });
  const identicalWarning = identicalPromptWarning(identicalPrompts, cfg.max_length);
  if (identicalWarning) status(identicalWarning);

  // Reference log-probs: once for every sequence of the data, cached on disk by (data hash, weights hash).
  if (usesReference(method)) {
    const seqs = sequencesByRow.flat();
    status(`reference log-probs for ${seqs.length} sequences (cached in ${M.defaultCacheDir()})`);
    await table.fill(seqs, async (todo) => {
      const r = await M.computeSequenceLogprobs(runner, config, base, todo, { cacheDir: M.defaultCacheDir() });
      return r.sum;
    });
  }
  const result = await runTraining({
    config: cfg,
    model,
    train: data.train.rows as TrainRow[],
    eval: data.eval.rows as TrainRow[],
    resume: o.resume,
    prepared,
    onLog: o.onLog,
    onStatus: status,
    stopAfter: o.stopAfter,
  });
  // LoRA runs also get the merged model as a plain HF folder (what evaluation and vLLM load); again when a resumed
  // run trained further (an extended budget).
  const mergedMissing = !existsSync(join(cfg.output_dir, "merged", "config.json"));
  if (lora && result.finished && (mergedMissing || result.startStep < result.globalStep))
    M.saveModelFolder(folder, join(cfg.output_dir, "merged"), merged(weights));
  return { ...result, truncation, identicalPrompts };
}
