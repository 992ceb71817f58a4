/**
 * Learning-rate schedules with Hugging Face `transformers.get_scheduler` semantics. `lrLambda(step)` is the
 * multiplier applied to the base learning rate for the optimizer step with 0-based index `step` (LambdaLR starts
 * at step 0 and is advanced after every optimizer step).
 */
export const LR_SCHEDULERS = ["constant", "constant_with_warmup", "linear", "cosine"] as const;
export type LrSchedulerType = (typeof LR_SCHEDULERS)[number];

/** HF `TrainingArguments.get_warmup_steps`: explicit steps win, else ceil(warmup_ratio * total). */
export function warmupSteps(totalSteps: number, warmupRatio: number, explicitSteps = 0): number {
  return explicitSteps > 0 ? explicitSteps : Math.ceil(totalSteps * warmupRatio);
}

export function lrLambda(type: LrSchedulerType, step: number, warmup: number, total: number): number {
  switch (type) {
    case "constant":
      return 1;
    case "constant_with_warmup":
      return step < warmup ? step / Math.max(1, warmup) : 1;
    case "linear":
      if (step < warmup) return step / Math.max(1, warmup);
      return Math.max(0, (total - step) / Math.max(1, total - warmup));
    case "cosine": {
      if (step < warmup) return step / Math.max(1, warmup);
      const progress = (step - warmup) / Math.max(1, total - warmup);
      // num_cycles = 0.5: a half cosine from 1 to 0
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress)));
    }
  }
}

export class LrSchedule {
  readonly warmup: number;
  constructor(
    readonly type: LrSchedulerType,
    readonly baseLr: number,
    readonly totalSteps: number,
    warmupRatio: number,
    explicitWarmupSteps = 0,
  ) {
    this.warmup = warmupSteps(totalSteps, warmupRatio, explicitWarmupSteps);
  }
  /** Learning rate of the optimizer step with 0-based index `step`. */
  lrAt(step: number): number {
    return this.baseLr * lrLambda(this.type, step, this.warmup, this.totalSteps);
  }
}
