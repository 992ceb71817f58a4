import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { ensureDir } from "../util/path-error.js";
import { mulberry32, standardNormal } from "../util/random.js";
import { writeCheckpoint } from "./checkpoint.js";
import { parseModelConfig } from "./config.js";
import type { StoredDtype } from "./safetensors.js";
import { buildTinyTokenizerJson } from "./tiny-tokenizer.js";
import { parameterNames, type Weights } from "./weights.js";

/**
 * Tiny random Hugging Face model folders for tests and demos: config.json, model.safetensors (our writer), a real
 * byte-level BPE tokenizer.json, tokenizer_config.json with a chat template, generation_config.json. Nothing is
 * downloaded; the same seed always gives the same folder.
 */

/** Chat templates in the styles real models ship, written for these tiny models. */
export const CHAT_TEMPLATES = {
  /** Plain ChatML (SmolLM2-style): no default system prompt. */
  chatml:
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  /** Qwen2-style ChatML with a default system prompt inserted when the conversation has none. */
  qwen2:
    "{%- for message in messages %}{%- if loop.first and message['role'] != 'system' %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}" +
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  /** Llama-3-style: the template itself emits BOS; turns end with <|eot_id|>. */
  llama3:
    "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
} as const;

export type TemplateStyle = keyof typeof CHAT_TEMPLATES;

export interface TinyModelOptions {
  modelType?: "llama" | "qwen2";
  hiddenSize?: number;
  intermediateSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  tieWordEmbeddings?: boolean;
  ropeTheta?: number;
  rmsNormEps?: number;
  /** Stored dtype of every tensor (default F32). */
  dtype?: StoredDtype;
  seed?: number;
  /** Std of the random normal weights (default 0.02 like HF initialisers; larger makes outputs less uniform). */
  initStd?: number;
  template?: TemplateStyle;
  /** Write the template to chat_template.jinja instead of tokenizer_config.json. */
  templateFile?: boolean;
  /** Shard the checkpoint above this many bytes. */
  maxShardBytes?: number;
  /**
   * The tokenizer to ship (default: the built-in byte-level BPE of tiny-tokenizer.ts). It must define the special
   * tokens the chat templates use (`<|im_start|>`, `<|im_end|>`, `<|endoftext|>`; Llama-3's for that template).
   */
  tokenizer?: TinyTokenizer;
  /** `max_position_embeddings` and the tokenizer's `model_max_length` (default 512). */
  maxPositions?: number;
  /** `unk_token` of tokenizer_config.json (default none: byte-level BPE has no unknown token). */
  unkToken?: string;
}

/** A tokenizer.json with its size (vocabulary + added tokens) and the ids of its special tokens. */
export interface TinyTokenizer {
  json: Record<string, unknown>;
  size: number;
  specialIds: Map<string, number>;
}

/** Write a complete tiny model folder to `dir` and return its parsed config. */
export function writeTinyModel(dir: string, options: TinyModelOptions = {}) {
  const modelType = options.modelType ?? "qwen2";
  const template = options.template ?? (modelType === "qwen2" ? "qwen2" : "chatml");
  const hidden = options.hiddenSize ?? 32;
  const heads = options.numHeads ?? 4;
  const tokenizer = options.tokenizer ?? buildTinyTokenizerJson();
  const maxPositions = options.maxPositions ?? 512;
  const vocabSize = Math.ceil(tokenizer.size / 64) * 64;
  const id = (t: string) => tokenizer.specialIds.get(t)!;
  const isLlama3 = template === "llama3";
  const bos = isLlama3 ? "<|begin_of_text|>" : null;
  const eos = isLlama3 ? "<|eot_id|>" : "<|im_end|>";
  const pad = "<|endoftext|>";
  const configJson: Record<string, unknown> = {
    architectures: [modelType === "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
    model_type: modelType,
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: options.intermediateSize ?? 2 * hidden,
    num_hidden_layers: options.numLayers ?? 2,
    num_attention_heads: heads,
    num_key_value_heads: options.numKvHeads ?? Math.max(1, heads / 2),
    head_dim: hidden / heads,
    hidden_act: "silu",
    max_position_embeddings: maxPositions,
    rms_norm_eps: options.rmsNormEps ?? 1e-6,
    rope_theta: options.ropeTheta ?? 10000,
    tie_word_embeddings: options.tieWordEmbeddings ?? modelType === "qwen2",
    bos_token_id: bos ? id(bos) : id(pad),
    eos_token_id: id(eos),
    torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16" }[options.dtype ?? "F32"],
    transformers_version: "4.46.0",
    use_cache: true,
    ...(modelType === "llama" ? { attention_bias: false, mlp_bias: false, pretraining_tp: 1 } : {}),
  };
  const config = parseModelConfig(configJson);
  const weights = randomWeights(config, options.seed ?? 0, options.initStd ?? 0.02);
  ensureDir(dir);
  writeFileAtomic(join(dir, "config.json"), `${JSON.stringify(configJson, null, 2)}\n`);
  writeCheckpoint(dir, weights, { dtype: options.dtype ?? "F32", maxShardBytes: options.maxShardBytes });
  writeFileAtomic(join(dir, "tokenizer.json"), JSON.stringify(tokenizer.json));
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: false,
    add_eos_token: false,
    bos_token: bos,
    eos_token: eos,
    pad_token: pad,
    unk_token: options.unkToken ?? null,
    clean_up_tokenization_spaces: false,
    model_max_length: maxPositions,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  if (options.templateFile) writeFileAtomic(join(dir, "chat_template.jinja"), CHAT_TEMPLATES[template]);
  else tokenizerConfig.chat_template = CHAT_TEMPLATES[template];
  writeFileAtomic(join(dir, "tokenizer_config.json"), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
  const generationConfig = {
    bos_token_id: configJson.bos_token_id,
    eos_token_id: isLlama3 ? [id("<|eot_id|>"), id("<|end_of_text|>")] : [id("<|im_end|>"), id("<|endoftext|>")],
    pad_token_id: id(pad),
    transformers_version: "4.46.0",
  };
  writeFileAtomic(join(dir, "generation_config.json"), `${JSON.stringify(generationConfig, null, 2)}\n`);
  return { config, weights };
}

/** normal(0, std) weights with HF names; RMSNorm weights are 1 (+ small noise so tests see them used). */
export function randomWeights(config: ReturnType<typeof parseModelConfig>, seed: number, std = 0.02): Weights {
  const normal = standardNormal(mulberry32(seed));
  const h = config.hidden_size;
  const q = config.num_attention_heads * config.head_dim;
  const kv = config.num_key_value_heads * config.head_dim;
  const shapes: Record<string, number[]> = {
    embed_tokens: [config.vocab_size, h],
    q_proj: [q, h],
    k_proj: [kv, h],
    v_proj: [kv, h],
    o_proj: [h, q],
    gate_proj: [config.intermediate_size, h],
    up_proj: [config.intermediate_size, h],
    down_proj: [h, config.intermediate_size],
    lm_head: [config.vocab_size, h],
  };
  const weights: Weights = new Map();
  for (const name of parameterNames(config)) {
    const parts = name.split(".");
    const kind = parts[parts.length - 2];
    const isBias = name.endsWith(".bias");
    const isNorm = name.includes("norm");
    const shape = isNorm ? [h] : isBias ? [shapes[kind][0]] : shapes[kind];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = isNorm ? 1 + 0.1 * normal() : std * normal();
    weights.set(name, { shape, data });
  }
  return weights;
}
