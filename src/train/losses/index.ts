import { dpoLoss } from "./dpo.js";
import { iopoAblationLoss, iopoLoss, iopoStarLoss } from "./iopo.js";
import type { Method } from "./methods.js";
import { orpoLoss } from "./orpo.js";
import { sftLoss } from "./sft.js";
import { simpoLoss } from "./simpo.js";
import type { Example, LossOptions, LossOutput } from "./types.js";

export * from "./dpo.js";
export * from "./iopo.js";
export * from "./math.js";
export * from "./methods.js";
export * from "./metrics.js";
export * from "./orpo.js";
export * from "./sft.js";
export * from "./simpo.js";
export * from "./types.js";

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
