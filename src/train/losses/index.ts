import { dpoLoss } from "./dpo.js";
import { iopoAblationLoss, iopoLoss, iopoStarLoss } from "./iopo.js";
import { orpoLoss } from "./orpo.js";
import { sftLoss } from "./sft.js";
import { simpoLoss } from "./simpo.js";
import type { Example, LossOptions, LossOutput, SeqName } from "./types.js";

export * from "./dpo.js";
export * from "./iopo.js";
export * from "./math.js";
export * from "./metrics.js";
export * from "./orpo.js";
export * from "./sft.js";
export * from "./simpo.js";
export * from "./types.js";

export const METHODS = [
  "sft",
  "dpo",
  "iopo",
  "iopo_star",
  "iopo_input_only",
  "iopo_output_only",
  "simpo",
  "orpo",
] as const;
export type Method = (typeof METHODS)[number];

/** The sequences each method needs per example (what the engine must score). */
export const METHOD_SEQUENCES: Record<Method, readonly SeqName[]> = {
  sft: ["chosen"],
  dpo: ["chosen", "rejected"],
  simpo: ["chosen", "rejected"],
  orpo: ["chosen", "rejected"],
  iopo: ["chosen_v1", "rejected_v1", "chosen_v2", "rejected_v2"],
  iopo_star: ["chosen_v1", "rejected_v1", "rejected_v2"],
  iopo_input_only: ["chosen_v1", "rejected_v1", "chosen_v2", "rejected_v2"],
  iopo_output_only: ["chosen_v1", "rejected_v1", "chosen_v2", "rejected_v2"],
};

/** Whether the method uses the frozen reference model (SimPO and ORPO are reference-free; SFT needs none). */
export function usesReference(method: Method): boolean {
  return method !== "sft" && method !== "simpo" && method !== "orpo";
}

/** Kind of training row a method consumes: SFT rows, preference pairs, or IOPO groups. */
export function methodDataKind(method: Method): "sft" | "pair" | "group" {
  if (method === "sft") return "sft";
  if (method === "dpo" || method === "simpo" || method === "orpo") return "pair";
  return "group";
}

/** Dispatch to the named loss. */
export function computeLoss(method: Method, batch: readonly Example[], opts: LossOptions): LossOutput {
  if (batch.length === 0) throw new Error("empty batch");
  switch (method) {
    case "sft":
      return sftLoss(batch, opts);
    case "dpo":
      return dpoLoss(batch, opts);
    case "iopo":
      return iopoLoss(batch, opts);
    case "iopo_star":
      return iopoStarLoss(batch, opts);
    case "iopo_input_only":
      return iopoAblationLoss("input_only", batch, opts);
    case "iopo_output_only":
      return iopoAblationLoss("output_only", batch, opts);
    case "simpo":
      return simpoLoss(batch, opts);
    case "orpo":
      return orpoLoss(batch, opts);
  }
}
