import { DataError } from "../data/errors.js";

/**
 * The decoder hyper-parameters shared by the Llama, Qwen2 and SmolLM families, normalised from a Hugging Face
 * `config.json` (field names kept in HF snake_case so a saved config round-trips unchanged).
 */
export interface ModelConfig {
  model_type: "llama" | "qwen2";
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  rms_norm_eps: number;
  rope_theta: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  /** q/k/v projections carry biases (always for Qwen2; Llama's `attention_bias`). */
  attention_bias: boolean;
  /** o_proj bias (Llama `attention_bias` also adds it; Qwen2 never). */
  o_proj_bias: boolean;
  /** gate/up/down biases (Llama `mlp_bias`). */
  mlp_bias: boolean;
  hidden_act: "silu";
  bos_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
  torch_dtype?: string;
  /** The raw config.json object, kept so that saving a checkpoint writes it back unchanged. */
  raw: Record<string, unknown>;
}

/** Normalise a parsed `config.json`. Throws a DataError naming the file and field on anything unsupported. */
export function parseModelConfig(raw: Record<string, unknown>, file = "config.json"): ModelConfig {
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new DataError(file, undefined, key, "expected a number");
    return v;
  };
  const modelType = raw.model_type;
  if (modelType !== "llama" && modelType !== "qwen2") {
    throw new DataError(
      file,
      undefined,
      "model_type",
      `unsupported model_type ${JSON.stringify(modelType)} (llama, qwen2)`,
    );
  }
  const act = raw.hidden_act ?? "silu";
  if (act !== "silu")
    throw new DataError(file, undefined, "hidden_act", `unsupported activation ${JSON.stringify(act)}`);
  const ropeScaling = raw.rope_scaling as { rope_type?: string; type?: string } | null | undefined;
  if (ropeScaling && (ropeScaling.rope_type ?? ropeScaling.type) !== "default") {
    throw new DataError(file, undefined, "rope_scaling", "only default rotary embeddings are supported");
  }
  const hidden = num("hidden_size");
  const heads = num("num_attention_heads");
  const isQwen = modelType === "qwen2";
  const llamaAttnBias = raw.attention_bias === true;
  return {
    model_type: modelType,
    vocab_size: num("vocab_size"),
    hidden_size: hidden,
    intermediate_size: num("intermediate_size"),
    num_hidden_layers: num("num_hidden_layers"),
    num_attention_heads: heads,
    num_key_value_heads: num("num_key_value_heads", heads),
    head_dim: typeof raw.head_dim === "number" ? raw.head_dim : hidden / heads,
    rms_norm_eps: num("rms_norm_eps", 1e-6),
    rope_theta: num("rope_theta", 10000),
    max_position_embeddings: num("max_position_embeddings", 2048),
    tie_word_embeddings: raw.tie_word_embeddings === true,
    attention_bias: isQwen ? true : llamaAttnBias,
    o_proj_bias: isQwen ? false : llamaAttnBias,
    mlp_bias: !isQwen && raw.mlp_bias === true,
    hidden_act: "silu",
    bos_token_id: raw.bos_token_id as number | null | undefined,
    eos_token_id: raw.eos_token_id as number | number[] | null | undefined,
    pad_token_id: raw.pad_token_id as number | null | undefined,
    torch_dtype: raw.torch_dtype as string | undefined,
    raw,
  };
}
