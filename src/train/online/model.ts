import { join, resolve } from "node:path";
import { encodePrompt, encodeTrainingExample } from "../../model/chat-encoding.js";
import { readCheckpoint } from "../../model/checkpoint.js";
import { SCORE_WEIGHT, VALUE_HEAD_BIAS, VALUE_HEAD_WEIGHT } from "../../model/decoder-graph.js";
import { type LinearAdapterFactory, loraBranch } from "../../model/decoder-lora.js";
import { copyTokenizerFiles, loadModelFolder, type ModelFolder, saveModelFolder } from "../../model/model-folder.js";
import type { Weights } from "../../model/weights.js";
import { mixSeeds, mulberry32, standardNormal } from "../../util/random.js";
import type { TrainConfig } from "../config.js";
import { type LoraSpec, mergeLora, saveLoraAdapter } from "../lora.js";
import { loraFromConfig } from "../lora-setup.js";
import type { SequenceEncoder } from "../sequences.js";
import { readF32Tensors, writeF32Tensors } from "../tensor-file.js";

/**
 * The trained model of an online run: the policy (PPO, GRPO) or the reward model (rm), full or LoRA, with the
 * heads it trains - the reward model's `score.weight`, PPO's value head `v_head.summary.*` - and how it is saved.
 *
 * Heads are trained in full also under LoRA (PEFT's `modules_to_save`, what TRL recommends for reward models).
 * The value head shares the policy's trunk, as TRL's `AutoModelForCausalLMWithValueHead` (TRL's PPOTrainer instead
 * takes a separate value model, usually initialised from the reward model; one trunk costs one forward pass less
 * per rollout and per update on a CPU). It starts at zero, so the first values are 0; it is saved beside the
 * policy as `value_head.safetensors` (checkpoints resume with it; the policy folder stays a plain causal LM).
 */
export const VALUE_HEAD_FILE = "value_head.safetensors";

export interface OnlineModel {
  folder: ModelFolder;
  /** the starting weights as loaded (frozen under LoRA; the PPO/GRPO reference) */
  base: Weights;
  /** every tensor the training steps read: base (or a trained copy), adapters, heads */
  weights: Weights;
  /** names the optimizer updates (buffers shared with `weights`) */
  trainable: string[];
  params: Map<string, Float32Array>;
  lora?: { spec: LoraSpec; leafs: string[] };
  /** the activation-path LoRA of the training steps (with the run's lora_dropout) */
  adaptLinear?: LinearAdapterFactory;
  /** LoRA dropout seed of the training steps (undefined: no dropout) */
  dropoutSeed?: number;
  /** the decoder (and heads) with adapters merged: what generation and forward-only runners read */
  merged(): Weights;
  encode: SequenceEncoder;
  encodePrompt(conversation: { role: string; content: string }[]): { text: string; ids: Int32Array };
  /** EOS ids that end a generation (config, generation_config, tokenizer) */
  eosTokenIds: number[];
  save(dir: string): void;
  load(dir: string): void;
}

export interface OnlineModelOptions {
  /** head tensors the run adds and trains */
  heads: "score" | "value" | "none";
  /** keep the decoder's LM head out of the trained set (the reward model never reads it) */
  withoutLmHead?: boolean;
  /** full fine-tuning keeps the starting weights as the frozen reference (PPO, GRPO) instead of training in place */
  frozenReference?: boolean;
}

const HEAD_STREAM = 7;

/** transformers' `_init_weights` for a new classification head: normal(0, initializer_range), seeded. */
function initScoreHead(hidden: number, std: number, seed: number): Float32Array {
  const normal = standardNormal(mulberry32(mixSeeds(seed, HEAD_STREAM)));
  return Float32Array.from({ length: hidden }, () => std * normal());
}

export function setupOnlineModel(cfg: TrainConfig, o: OnlineModelOptions): OnlineModel {
  const folder = loadModelFolder(cfg.model_name_or_path);
  if (!folder.checkpoint) throw new Error(`${cfg.model_name_or_path}: no weights`);
  const config = folder.config;
  const base: Weights = new Map(folder.checkpoint.weights);
  const D = config.hidden_size;
  const heads: Weights = new Map();
  if (o.heads === "score") {
    const existing = base.get(SCORE_WEIGHT);
    base.delete(SCORE_WEIGHT);
    const init = config.raw.initializer_range;
    heads.set(SCORE_WEIGHT, {
      shape: [1, D],
      data: existing
        ? Float32Array.from(existing.data)
        : initScoreHead(D, typeof init === "number" ? init : 0.02, cfg.seed),
    });
  } else if (o.heads === "value") {
    heads.set(VALUE_HEAD_WEIGHT, { shape: [1, D], data: new Float32Array(D) });
    heads.set(VALUE_HEAD_BIAS, { shape: [1], data: new Float32Array(1) });
  }
  const shapes = new Map([...base].map(([k, t]) => [k, t.shape]));
  let weights: Weights;
  let trainable: string[];
  let lora: OnlineModel["lora"];
  let adaptLinear: LinearAdapterFactory | undefined;
  const dropout = cfg.disable_dropout ? 0 : cfg.lora_dropout;
  if (cfg.finetuning_type === "lora") {
    const { spec, leafs, adapters } = loraFromConfig(cfg, shapes);
    weights = new Map([...base, ...adapters, ...heads]);
    trainable = [...adapters.keys(), ...heads.keys()];
    lora = { spec, leafs };
    adaptLinear = loraBranch({ targets: leafs, rank: spec.rank, alpha: spec.alpha, dropout });
  } else {
    // PPO/GRPO train a copy, so that `base` stays the frozen reference; the reward model trains in place
    weights = o.frozenReference
      ? new Map([...base].map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]))
      : new Map(base);
    for (const [k, t] of heads) weights.set(k, t);
    trainable = [...weights.keys()].filter((k) => !(o.withoutLmHead && k === "lm_head.weight"));
  }
  const params = new Map(trainable.map((n) => [n, weights.get(n)!.data]));
  const merged = (): Weights => {
    if (!lora) return weights;
    const adapters: Weights = new Map([...weights].filter(([k]) => k.includes(".lora_")));
    const m = mergeLora(base, adapters, lora.spec);
    for (const [k, t] of heads) m.set(k, weights.get(k) ?? t);
    return m;
  };
  const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
  const headNames = [...heads.keys()];

  const save = (dir: string) => {
    if (lora) {
      const adapters = new Map([...weights].filter(([k]) => k.includes(".lora_") || k === SCORE_WEIGHT));
      saveLoraAdapter(dir, adapters, lora.spec, {
        baseModel: resolve(cfg.model_name_or_path),
        dropout: cfg.lora_dropout,
        ...(o.heads === "score" ? { taskType: "SEQ_CLS", modulesToSave: ["score"] } : {}),
      });
      copyTokenizerFiles(folder, dir);
    } else if (o.heads === "score") {
      saveRewardModelFolder(folder, dir, weights);
    } else {
      const policy: Weights = new Map([...weights].filter(([k]) => !headNames.includes(k)));
      saveModelFolder(folder, dir, policy);
    }
    if (o.heads === "value")
      writeF32Tensors(join(dir, VALUE_HEAD_FILE), new Map(headNames.map((k) => [k, weights.get(k)!])));
  };
  const load = (dir: string) => {
    let loaded: Weights;
    if (lora) {
      const t = readF32Tensors(join(dir, "adapter_model.safetensors"));
      loaded = new Map([...t].map(([k, v]) => [k.replace(/^base_model\.model\./, ""), v]));
    } else loaded = readCheckpoint(dir).weights;
    if (o.heads === "value") for (const [k, v] of readF32Tensors(join(dir, VALUE_HEAD_FILE))) loaded.set(k, v);
    for (const [name, p] of params) {
      const t = loaded.get(name);
      if (!t || t.data.length !== p.length) throw new Error(`${dir}: parameter ${name} missing or of another size`);
      p.set(t.data);
    }
  };

  return {
    folder,
    base,
    weights,
    trainable,
    params,
    lora,
    adaptLinear,
    dropoutSeed: lora && dropout > 0 ? cfg.seed : undefined,
    merged,
    encode: (prompt, response) => {
      const e = encodeTrainingExample(codec, { conversation: prompt, response });
      return { ids: e.ids, responseStart: e.responseStart, promptSuffix: e.promptSuffix };
    },
    encodePrompt: (conversation) => encodePrompt(codec, conversation),
    eosTokenIds: folder.eosTokenIds,
    save,
    load,
  };
}

/**
 * A reward model as transformers writes `AutoModelForSequenceClassification(num_labels=1)`: the decoder without
 * its LM head, `score.weight` [1, hidden], and a config naming the `*ForSequenceClassification` architecture with
 * one label and the pad token id (TRL's RewardTrainer sets it: the head reads the last non-pad token).
 */
export function saveRewardModelFolder(source: ModelFolder, dir: string, weights: Weights): void {
  const cfg = source.config;
  const arch = cfg.model_type === "qwen2" ? "Qwen2ForSequenceClassification" : "LlamaForSequenceClassification";
  const tok = source.tokenizer;
  const pad = tok.tokenId(tok.padToken) ?? tok.tokenId(tok.eosToken) ?? cfg.pad_token_id ?? null;
  const out: Weights = new Map([...weights].filter(([k]) => k !== "lm_head.weight" && !k.startsWith("v_head.")));
  saveModelFolder(source, dir, out, {
    configUpdates: {
      architectures: [arch],
      num_labels: 1,
      id2label: { "0": "LABEL_0" },
      label2id: { LABEL_0: 0 },
      pad_token_id: pad,
    },
  });
}
