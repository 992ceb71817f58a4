import { writeTinyModel } from "../model/tiny-model.js";
import { buildWorldTokenizer } from "./tokenizer.js";

/**
 * The demo's model: a tiny Qwen2-architecture decoder (grouped-query attention, q/k/v biases, tied embeddings,
 * Qwen2's ChatML template with its default system prompt) over the world's word-level tokenizer, randomly
 * initialised and written as a Hugging Face folder. It plays the role of the paper's base model; the experiment
 * trains it with the project's own trainer (SFT, then every preference method) like any other model folder.
 */
export interface WorldModelOptions {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  /** Context length; world prompts plus answers stay under 256 tokens. */
  max_position_embeddings: number;
  /** Seed of the random initial weights. */
  seed: number;
}

export const DEFAULT_WORLD_MODEL: WorldModelOptions = {
  hidden_size: 128,
  intermediate_size: 384,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 512,
  seed: 0,
};

/** Write the world model folder to `dir`; returns its parameter count. */
export function writeWorldModel(dir: string, options: Partial<WorldModelOptions> = {}): { parameters: number } {
  const o = { ...DEFAULT_WORLD_MODEL, ...options };
  const { weights } = writeTinyModel(dir, {
    modelType: "qwen2",
    template: "qwen2",
    tokenizer: buildWorldTokenizer(),
    unkToken: "<unk>",
    hiddenSize: o.hidden_size,
    intermediateSize: o.intermediate_size,
    numLayers: o.num_hidden_layers,
    numHeads: o.num_attention_heads,
    numKvHeads: o.num_key_value_heads,
    maxPositions: o.max_position_embeddings,
    seed: o.seed,
  });
  let parameters = 0;
  for (const t of weights.values()) parameters += t.data.length;
  return { parameters };
}
