import type { Weights } from "../model/weights.js";
import { loraAlpha, type TrainConfig } from "./config.js";
import { initLora, LORA_ALL_MODULES, type LoraSpec, loraTargets } from "./lora.js";

/**
 * The LoRA adapters a training config asks for (`lora_rank`, `lora_alpha`, `lora_target`, `seed`): their spec, the
 * leaf module names they wrap, and freshly initialised adapter tensors. One place for the offline and online
 * trainers, so that both read the same keys the same way.
 */
export function loraFromConfig(
  cfg: TrainConfig,
  shapes: ReadonlyMap<string, readonly number[]>,
): { spec: LoraSpec; leafs: string[]; adapters: Weights } {
  const spec: LoraSpec = { rank: cfg.lora_rank, alpha: loraAlpha(cfg), targets: loraTargets(shapes, cfg.lora_target) };
  const leafs = cfg.lora_target.trim() === "all" ? LORA_ALL_MODULES : cfg.lora_target.split(",").map((s) => s.trim());
  return { spec, leafs, adapters: initLora(shapes, spec, cfg.seed) };
}
