import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ChatTemplate, selectTemplateSource, specialTokenContext } from "./chat-template.js";
import { type Checkpoint, hasCheckpoint, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { type ModelConfig, parseModelConfig } from "./config.js";
import { TOKENIZER_FILES } from "./folder-files.js";
import { ADAPTER_WEIGHTS_FILE, isAdapterFolder, mergePeftAdapter, readPeftAdapter } from "./peft-adapter.js";
import type { StoredDtype } from "./safetensors.js";
import { ModelTokenizer } from "./tokenizer.js";
import { numel, parameterNames, type Weights } from "./weights.js";

/**
 * A Hugging Face model folder, loaded offline from a local directory (never a hub id, never the network):
 *   config.json                      -> ModelConfig
 *   model.safetensors | model.safetensors.index.json + shards -> weights (float32) and their stored dtypes
 *   tokenizer.json + tokenizer_config.json -> ModelTokenizer
 *   chat_template.jinja | tokenizer_config.json "chat_template" -> ChatTemplate
 *   generation_config.json (optional) -> extra EOS ids
 */
export interface ModelFolder {
  dir: string;
  config: ModelConfig;
  tokenizer: ModelTokenizer;
  /** Undefined when the folder has no chat template (chat data then cannot be encoded). */
  chatTemplate: ChatTemplate | undefined;
  generationConfig: Record<string, unknown> | undefined;
  /** Every id that ends a generation: config.json, generation_config.json and the tokenizer's eos_token. */
  eosTokenIds: number[];
  /** Loaded unless `loadWeights: false`. */
  checkpoint: Checkpoint | undefined;
}

export { TOKENIZER_FILES };

function readJsonObject(file: string, required: boolean): Record<string, unknown> | undefined {
  if (!existsSync(file)) {
    if (required) throw new DataError(file, undefined, undefined, "missing from the model folder");
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(readUtf8(file, "a JSON file"));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(file, undefined, undefined, `not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new DataError(file, undefined, undefined, "expected a JSON object");
  }
  return value as Record<string, unknown>;
}

export function loadModelFolder(dir: string, options: { loadWeights?: boolean } = {}): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(dir, undefined, undefined, "model folder not found (a local directory is required)");
  }
  if (isAdapterFolder(dir)) return loadAdapterFolder(dir, options);
  const configFile = join(dir, "config.json");
  const config = parseModelConfig(readJsonObject(configFile, true)!, configFile);
  const codec = loadCodecFiles(dir, config);
  let checkpoint: Checkpoint | undefined;
  if (options.loadWeights !== false) {
    checkpoint = readCheckpoint(dir);
    checkWeights(config, checkpoint.weights, dir);
  } else if (!hasCheckpoint(dir)) {
    throw new DataError(dir, undefined, undefined, "no model.safetensors or model.safetensors.index.json");
  }
  return { dir, config, ...codec, checkpoint };
}

/**
 * A PEFT LoRA adapter folder (a LoRA run's checkpoint-N/, or any `save_pretrained` adapter) loads as its base model
 * with the adapter merged in, like `AutoModelForCausalLM.from_pretrained(adapter_dir)` with peft installed. The
 * tokenizer and chat template are the adapter folder's when it has them (HF Trainer saves them there), else the
 * base model's; `dir` is the folder that holds them, so saving the merged model copies the right files.
 */
function loadAdapterFolder(dir: string, options: { loadWeights?: boolean }): ModelFolder {
  const adapter = readPeftAdapter(dir);
  const base = loadModelFolder(adapter.baseModel, options);
  const ownCodec = existsSync(join(dir, "tokenizer.json"));
  const codec = ownCodec ? loadCodecFiles(dir, base.config) : base;
  const checkpoint = base.checkpoint && {
    ...base.checkpoint,
    weights: mergePeftAdapter(base.checkpoint.weights, adapter),
    files: [...base.checkpoint.files, join(dir, ADAPTER_WEIGHTS_FILE)],
  };
  if (checkpoint) checkWeights(base.config, checkpoint.weights, dir);
  return {
    dir: ownCodec ? dir : base.dir,
    config: base.config,
    tokenizer: codec.tokenizer,
    chatTemplate: codec.chatTemplate,
    generationConfig: codec.generationConfig,
    eosTokenIds: codec.eosTokenIds,
    checkpoint,
  };
}

/** Tokenizer, chat template, generation config and EOS ids of a folder. */
function loadCodecFiles(
  dir: string,
  config: ModelConfig,
): Pick<ModelFolder, "tokenizer" | "chatTemplate" | "generationConfig" | "eosTokenIds"> {
  const tokenizerFile = join(dir, "tokenizer.json");
  const tokenizerConfigFile = join(dir, "tokenizer_config.json");
  const tokenizerJson = readJsonObject(tokenizerFile, true)!;
  const tokenizerConfig = readJsonObject(tokenizerConfigFile, false) ?? {};
  // Older folders keep the special tokens in special_tokens_map.json; tokenizer_config.json wins where both say.
  const specialMap = readJsonObject(join(dir, "special_tokens_map.json"), false) ?? {};
  const mergedConfig = { ...specialMap, ...dropNulls(tokenizerConfig) };
  let tokenizer: ModelTokenizer;
  try {
    tokenizer = ModelTokenizer.fromJson(tokenizerJson, mergedConfig);
  } catch (err) {
    throw new DataError(tokenizerFile, undefined, undefined, `cannot build the tokenizer (${(err as Error).message})`);
  }
  const templateFile = join(dir, "chat_template.jinja");
  const fileTemplate = existsSync(templateFile) ? readUtf8(templateFile) : undefined;
  const source = selectTemplateSource(fileTemplate, tokenizerConfig.chat_template, tokenizerConfigFile);
  const chatTemplate =
    source === undefined
      ? undefined
      : new ChatTemplate(
          source,
          fileTemplate !== undefined ? templateFile : tokenizerConfigFile,
          specialTokenContext(mergedConfig),
        );
  const generationConfig = readJsonObject(join(dir, "generation_config.json"), false);
  const eos = new Set<number>();
  for (const v of [config.eos_token_id, generationConfig?.eos_token_id]) {
    for (const id of Array.isArray(v) ? v : [v]) if (typeof id === "number") eos.add(id);
  }
  const tokEos = tokenizer.tokenId(tokenizer.eosToken);
  if (tokEos !== undefined) eos.add(tokEos);
  return { tokenizer, chatTemplate, generationConfig, eosTokenIds: [...eos] };
}

function dropNulls(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
}

/** Expected shape of every parameter of the config, by HF name. */
export function expectedShapes(config: ModelConfig): Map<string, number[]> {
  const h = config.hidden_size;
  const q = config.num_attention_heads * config.head_dim;
  const kv = config.num_key_value_heads * config.head_dim;
  const i = config.intermediate_size;
  const byKind: Record<string, number[]> = {
    "embed_tokens.weight": [config.vocab_size, h],
    "q_proj.weight": [q, h],
    "q_proj.bias": [q],
    "k_proj.weight": [kv, h],
    "k_proj.bias": [kv],
    "v_proj.weight": [kv, h],
    "v_proj.bias": [kv],
    "o_proj.weight": [h, q],
    "o_proj.bias": [h],
    "gate_proj.weight": [i, h],
    "gate_proj.bias": [i],
    "up_proj.weight": [i, h],
    "up_proj.bias": [i],
    "down_proj.weight": [h, i],
    "down_proj.bias": [h],
    "lm_head.weight": [config.vocab_size, h],
  };
  const out = new Map<string, number[]>();
  const classifier = sequenceClassifierLabels(config);
  for (const name of parameterNames(config)) {
    if (classifier !== undefined && name === "lm_head.weight") continue; // a classifier has a score head instead
    const kind = name.split(".").slice(-2).join(".");
    out.set(name, name.includes("norm") ? [h] : byKind[kind]);
  }
  if (classifier !== undefined) out.set("score.weight", [classifier, h]);
  return out;
}

/**
 * transformers' `*ForSequenceClassification` folders (a reward model: `score.weight` [num_labels, hidden] on the
 * last token, no LM head): their number of labels, or undefined for a causal LM.
 */
export function sequenceClassifierLabels(config: Pick<ModelConfig, "raw">): number | undefined {
  const archs = config.raw.architectures;
  if (!Array.isArray(archs) || !archs.some((a) => typeof a === "string" && a.endsWith("ForSequenceClassification")))
    return undefined;
  const id2label = config.raw.id2label;
  const n = config.raw.num_labels ?? (id2label && typeof id2label === "object" ? Object.keys(id2label).length : 2);
  return typeof n === "number" ? n : 2;
}

/**
 * Every parameter the config implies must be present with the right shape. A tied model whose checkpoint also
 * carries `lm_head.weight` is accepted (some exporters write it); it is ignored in favour of the embedding.
 */
export function checkWeights(config: ModelConfig, weights: Weights, dir: string): void {
  for (const [name, shape] of expectedShapes(config)) {
    const t = weights.get(name);
    if (!t) throw new DataError(dir, undefined, name, "tensor missing from the checkpoint");
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k]) || t.data.length !== numel(shape)) {
      throw new DataError(
        dir,
        undefined,
        name,
        `shape [${t.shape.join(", ")}] does not match config.json (expected [${shape.join(", ")}])`,
      );
    }
  }
}

export interface SaveOptions {
  /** config.json fields to change (e.g. nothing for a full fine-tune; the trainer decides). */
  configUpdates?: Record<string, unknown>;
  /** Stored dtype per tensor; defaults to the source checkpoint's dtypes (F32 for tensors it did not have). */
  dtypes?: Map<string, StoredDtype>;
  maxShardBytes?: number;
}

/**
 * Save `weights` as a model folder in `outDir`, next to copies of the source folder's config (unchanged except
 * `configUpdates`) and tokenizer/template/generation files, so transformers and vLLM load it like the original.
 */
export function saveModelFolder(source: ModelFolder, outDir: string, weights: Weights, options: SaveOptions = {}) {
  mkdirSync(outDir, { recursive: true });
  const raw = { ...source.config.raw, ...(options.configUpdates ?? {}) };
  writeFileAtomic(join(outDir, "config.json"), `${JSON.stringify(raw, null, 2)}\n`);
  copyTokenizerFiles(source, outDir);
  const dtypes = options.dtypes ?? source.checkpoint?.dtypes;
  return writeCheckpoint(outDir, weights, {
    dtypes,
    dtype: defaultDtype(source.config.torch_dtype),
    maxShardBytes: options.maxShardBytes,
    metadata: source.checkpoint?.metadata ?? { format: "pt" },
  });
}

/**
 * Copy the source folder's tokenizer, chat template and generation config files into `outDir` (a model folder or
 * a PEFT adapter checkpoint: HF Trainer saves the tokenizer beside the adapter too).
 */
export function copyTokenizerFiles(source: Pick<ModelFolder, "dir">, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const f of TOKENIZER_FILES) {
    const from = join(source.dir, f);
    if (existsSync(from) && join(outDir, f) !== from) copyFileSync(from, join(outDir, f));
  }
}

function defaultDtype(torchDtype: string | undefined): StoredDtype {
  if (torchDtype === "bfloat16") return "BF16";
  if (torchDtype === "float16") return "F16";
  return "F32";
}
