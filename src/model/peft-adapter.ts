import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import { readSafetensors } from "./safetensors.js";
import type { Tensor, Weights } from "./weights.js";

/**
 * PEFT LoRA adapter folders (what `PeftModel.save_pretrained` and HF Trainer checkpoints of LoRA runs hold):
 *   adapter_config.json        {"peft_type": "LORA", "base_model_name_or_path", "r", "lora_alpha", "use_rslora", ...}
 *   adapter_model.safetensors  base_model.model.<module>.lora_A.weight [r, in], ...lora_B.weight [out, r]
 * Merging gives the weights `merge_and_unload()` would: W' = W + s * B @ A with s = lora_alpha / r
 * (lora_alpha / sqrt(r) with rsLoRA). Only the plain LoRA subset is read; anything else is a clear error.
 */

export const ADAPTER_CONFIG_FILE = "adapter_config.json";
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";
const PREFIX = "base_model.model.";

export interface PeftAdapter {
  dir: string;
  /** The base model folder, resolved (absolute, or relative to the working directory, else to the adapter). */
  baseModel: string;
  rank: number;
  alpha: number;
  useRslora: boolean;
  /** Tensors by name without PEFT's `base_model.model.` prefix. */
  tensors: Weights;
}

/** A folder with adapter_config.json and no config.json: a PEFT adapter on top of a base model. */
export function isAdapterFolder(dir: string): boolean {
  return !existsSync(join(dir, "config.json")) && existsSync(join(dir, ADAPTER_CONFIG_FILE));
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

export function readPeftAdapter(dir: string): PeftAdapter {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readUtf8(file, "a JSON file")) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(file, undefined, undefined, `not valid JSON (${(err as Error).message})`);
  }
  if (cfg.peft_type !== "LORA") throw new DataError(file, undefined, "peft_type", `only LORA adapters are supported`);
  for (const [key, bad] of [
    ["use_dora", cfg.use_dora === true],
    ["fan_in_fan_out", cfg.fan_in_fan_out === true],
    ["rank_pattern", Object.keys((cfg.rank_pattern as object) ?? {}).length > 0],
    ["alpha_pattern", Object.keys((cfg.alpha_pattern as object) ?? {}).length > 0],
  ] as const) {
    if (bad) throw new DataError(file, undefined, key, "not supported by this loader (plain LoRA only)");
  }
  const rank = cfg.r;
  const alpha = cfg.lora_alpha;
  if (typeof rank !== "number" || !(rank > 0)) throw new DataError(file, undefined, "r", "expected a positive number");
  if (typeof alpha !== "number") throw new DataError(file, undefined, "lora_alpha", "expected a number");
  const base = cfg.base_model_name_or_path;
  if (typeof base !== "string" || base === "")
    throw new DataError(file, undefined, "base_model_name_or_path", "expected the base model's folder");
  const candidates = isAbsolute(base) ? [base] : [resolve(base), resolve(dir, base)];
  const baseModel = candidates.find(isDir);
  if (!baseModel)
    throw new DataError(
      file,
      undefined,
      "base_model_name_or_path",
      `base model folder "${base}" not found (looked in ${candidates.join(", ")}; hub ids are not downloaded)`,
    );
  const weightsFile = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(weightsFile))
    throw new DataError(dir, undefined, undefined, `no ${ADAPTER_WEIGHTS_FILE} (adapter_model.bin is not read)`);
  const tensors: Weights = new Map();
  for (const [name, t] of readSafetensors(weightsFile).tensors)
    tensors.set(name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name, t);
  return { dir, baseModel, rank, alpha, useRslora: cfg.use_rslora === true, tensors };
}

/**
 * Base weights with the adapter merged in. `module.lora_A.weight` / `module.lora_B.weight` update
 * `module.weight`; any other adapter tensor (PEFT `modules_to_save`) replaces the base tensor of the same name, or,
 * for `score.weight` (a LoRA reward model's head), is added.
 */
export function mergePeftAdapter(base: Weights, adapter: PeftAdapter): Weights {
  const file = join(adapter.dir, ADAPTER_WEIGHTS_FILE);
  const scale = adapter.useRslora ? adapter.alpha / Math.sqrt(adapter.rank) : adapter.alpha / adapter.rank;
  const out: Weights = new Map(base);
  for (const [name, t] of adapter.tensors) {
    if (name.endsWith(".lora_B.weight")) continue;
    if (!name.endsWith(".lora_A.weight")) {
      const target = base.get(name);
      // A classification head trained through `modules_to_save` (a LoRA reward model) is new to its causal-LM base.
      if (!target && name === "score.weight") {
        out.set(name, t);
        continue;
      }
      if (!target || target.shape.join() !== t.shape.join())
        throw new DataError(file, undefined, name, "not a LoRA factor and not a base tensor of the same shape");
      out.set(name, t);
      continue;
    }
    const module = name.slice(0, -".lora_A.weight".length);
    const a = t;
    const b = adapter.tensors.get(`${module}.lora_B.weight`);
    const w = base.get(`${module}.weight`);
    if (!b) throw new DataError(file, undefined, `${module}.lora_B.weight`, "missing (lora_A has no lora_B)");
    if (!w) throw new DataError(file, undefined, name, `adapts ${module}.weight, which the base model does not have`);
    const [r, inDim] = a.shape;
    const [outDim] = w.shape;
    if (w.shape.length !== 2 || w.shape[1] !== inDim || b.shape[0] !== outDim || b.shape[1] !== r)
      throw new DataError(
        file,
        undefined,
        module,
        `factor shapes A [${a.shape}] and B [${b.shape}] do not fit the base weight [${w.shape}]`,
      );
    const d = loraDelta(a, b, scale);
    const merged = Float32Array.from(w.data, (v, i) => v + d[i]!);
    out.set(`${module}.weight`, { shape: w.shape, data: merged });
  }
  return out;
}

/** scale * B @ A as an [out, in] matrix (scale = alpha / r, or alpha / sqrt(r) with rsLoRA). */
export function loraDelta(a: Tensor, b: Tensor, scale: number): Float32Array {
  const [r, inDim] = a.shape;
  const outDim = b.shape[0];
  const d = new Float32Array(outDim * inDim);
  for (let o = 0; o < outDim; o++)
    for (let k = 0; k < r; k++) {
      const bk = b.data[o * r + k] * scale;
      if (bk === 0) continue;
      const row = o * inDim;
      const arow = k * inDim;
      for (let i = 0; i < inDim; i++) d[row + i] += bk * a.data[arow + i];
    }
  return d;
}
