/**
 * A model's parameters in memory: Hugging Face tensor names (e.g. `model.layers.0.self_attn.q_proj.weight`)
 * mapped to float32 row-major data with its shape. Every component (safetensors I/O, the ONNX graphs, the plain-TS
 * reference decoder, the optimizer, LoRA) exchanges weights in this one form.
 */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type Weights = Map<string, Tensor>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The HF parameter names of a Llama/Qwen2 decoder, in checkpoint order. */
export function parameterNames(cfg: {
  num_hidden_layers: number;
  tie_word_embeddings: boolean;
  attention_bias: boolean;
  o_proj_bias: boolean;
  mlp_bias: boolean;
}): string[] {
  const names = ["model.embed_tokens.weight"];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    names.push(`${p}.input_layernorm.weight`);
    for (const proj of ["q_proj", "k_proj", "v_proj"]) {
      names.push(`${p}.self_attn.${proj}.weight`);
      if (cfg.attention_bias) names.push(`${p}.self_attn.${proj}.bias`);
    }
    names.push(`${p}.self_attn.o_proj.weight`);
    if (cfg.o_proj_bias) names.push(`${p}.self_attn.o_proj.bias`);
    names.push(`${p}.post_attention_layernorm.weight`);
    for (const proj of ["gate_proj", "up_proj", "down_proj"]) {
      names.push(`${p}.mlp.${proj}.weight`);
      if (cfg.mlp_bias) names.push(`${p}.mlp.${proj}.bias`);
    }
  }
  names.push("model.norm.weight");
  if (!cfg.tie_word_embeddings) names.push("lm_head.weight");
  return names;
}
