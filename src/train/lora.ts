import { join } from "node:path";
import { loraDelta } from "../model/peft-adapter.js";
import type { Weights } from "../model/weights.js";
import { writeFileAtomic } from "../util/atomic.js";
import { rng } from "./rng.js";
import { writeF32Tensors } from "./tensor-file.js";

/**
 * LoRA (Hu et al. 2021) with PEFT's conventions, so adapters load with `peft.PeftModel.from_pretrained`:
 *   W' = W + (alpha / r) * B @ A,   A: [r, in] ~ kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
 *   B: [out, r] = 0   (so training starts exactly at the base model).
 * Parameter names are the target module's HF name + `.lora_A.weight` / `.lora_B.weight`; in adapter files
 * they carry PEFT's `base_model.model.` prefix.
 */

/** LLaMA-Factory's `lora_target: all` for Llama/Qwen2: every linear layer of the decoder blocks (not lm_head). */
export const LORA_ALL_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

export interface LoraSpec {
  rank: number;
  alpha: number;
  /** Base weight names adapted, e.g. model.layers.0.self_attn.q_proj.weight. */
  targets: string[];
}

/** Resolve `lora_target` (`all` or a comma list of module names) to the 2-D weights it adapts. */
export function loraTargets(shapes: ReadonlyMap<string, readonly number[]>, target: string): string[] {
  const all = target.trim() === "all";
  const modules = all ? LORA_ALL_MODULES : target.split(",").map((s) => s.trim());
  const out: string[] = [];
  for (const m of modules) {
    const hits = [...shapes.keys()].filter(
      (n) => n.startsWith("model.layers.") && n.endsWith(`.${m}.weight`) && shapes.get(n)!.length === 2,
    );
    if (hits.length === 0 && !all)
      throw new Error(`lora_target "${m}" matches no linear layer (known: ${LORA_ALL_MODULES.join(", ")})`);
    out.push(...hits);
  }
  if (out.length === 0) throw new Error("lora_target all: the model has no decoder linear layers");
  return out.sort();
}

const moduleOf = (weightName: string) => weightName.replace(/\.weight$/, "");
export const loraAName = (target: string) => `${moduleOf(target)}.lora_A.weight`;
export const loraBName = (target: string) => `${moduleOf(target)}.lora_B.weight`;

/** Fresh adapter parameters (A random, B zero), deterministic in the seed. */
export function initLora(shapes: ReadonlyMap<string, readonly number[]>, spec: LoraSpec, seed: number): Weights {
  const out: Weights = new Map();
  spec.targets.forEach((t, ti) => {
    const [outDim, inDim] = shapes.get(t)!;
    const bound = 1 / Math.sqrt(inDim);
    const r = rng(seed, 3, ti);
    const a = new Float32Array(spec.rank * inDim);
    for (let i = 0; i < a.length; i++) a[i] = (r() * 2 - 1) * bound;
    out.set(loraAName(t), { shape: [spec.rank, inDim], data: a });
    out.set(loraBName(t), { shape: [outDim, spec.rank], data: new Float32Array(outDim * spec.rank) });
  });
  return out;
}

/** Base weights with the adapters merged in (what `merge_and_unload` saves): a full HF model. */
export function mergeLora(base: Weights, lora: Weights, spec: LoraSpec): Weights {
  const scale = spec.alpha / spec.rank;
  const out: Weights = new Map(base);
  for (const t of spec.targets) {
    const w = base.get(t)!;
    const delta = loraDelta(lora.get(loraAName(t))!, lora.get(loraBName(t))!, scale);
    const merged = new Float32Array(w.data.length);
    for (let i = 0; i < merged.length; i++) merged[i] = w.data[i] + delta[i];
    out.set(t, { shape: w.shape, data: merged });
  }
  return out;
}

/** Write a PEFT adapter folder: adapter_model.safetensors + adapter_config.json. */
export function saveLoraAdapter(
  dir: string,
  lora: Weights,
  spec: LoraSpec,
  options: {
    baseModel: string;
    dropout: number;
    /** PEFT task type (default CAUSAL_LM; a reward model is SEQ_CLS) */
    taskType?: string;
    /** modules trained in full beside the adapters (PEFT `modules_to_save`, e.g. a reward model's ["score"]) */
    modulesToSave?: string[];
  },
): void {
  const tensors = new Map([...lora].map(([k, v]) => [`base_model.model.${k}`, v]));
  writeF32Tensors(join(dir, "adapter_model.safetensors"), tensors);
  const modules = [...new Set(spec.targets.map((t) => moduleOf(t).split(".").pop()!))].sort();
  const config = {
    peft_type: "LORA",
    task_type: options.taskType ?? "CAUSAL_LM",
    base_model_name_or_path: options.baseModel,
    r: spec.rank,
    lora_alpha: spec.alpha,
    lora_dropout: options.dropout,
    target_modules: modules,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: options.modulesToSave ?? null,
  };
  writeFileAtomic(join(dir, "adapter_config.json"), `${JSON.stringify(config, null, 2)}\n`);
}
