import { epochPermutation } from "./rng.js";

/**
 * Which examples every optimizer step consumes. Micro-batches are consecutive slices of the epoch's permutation;
 * one optimizer step takes `accum` micro-batches and never spans two epochs; the last step of an epoch may take
 * fewer micro-batches (transformers >= 4.46 counts it as a step: ceil(batches / accum) updates per epoch).
 * Because the plan is a pure function of the step index, the data cursor of a checkpoint is just its step.
 */
export class DataPlan {
  readonly batchesPerEpoch: number;
  readonly updatesPerEpoch: number;
  readonly totalSteps: number;
  private cache = new Map<number, number[]>();

  constructor(
    readonly numExamples: number,
    readonly batchSize: number,
    readonly accum: number,
    numEpochs: number,
    maxSteps: number,
    readonly seed: number,
  ) {
    if (numExamples <= 0) throw new Error("no training examples");
    this.batchesPerEpoch = Math.ceil(numExamples / batchSize);
    this.updatesPerEpoch = Math.ceil(this.batchesPerEpoch / accum);
    this.totalSteps = maxSteps > 0 ? maxSteps : Math.ceil(numEpochs * this.updatesPerEpoch);
  }

  private order(epoch: number): number[] {
    let p = this.cache.get(epoch);
    if (!p) {
      this.cache.clear();
      p = epochPermutation(this.numExamples, this.seed, epoch);
      this.cache.set(epoch, p);
    }
    return p;
  }

  /** Data cursor of optimizer step `step` (0-based). */
  cursor(step: number): { epoch: number; stepInEpoch: number } {
    return { epoch: Math.floor(step / this.updatesPerEpoch), stepInEpoch: step % this.updatesPerEpoch };
  }

  /** Fractional epoch after `stepsDone` optimizer steps (what HF logs as `epoch`). */
  epochAfter(stepsDone: number): number {
    return stepsDone / this.updatesPerEpoch;
  }

  /** Example indices of each micro-batch of optimizer step `step`. */
  microBatches(step: number): number[][] {
    const { epoch, stepInEpoch } = this.cursor(step);
    const order = this.order(epoch);
    const first = stepInEpoch * this.accum;
    const last = Math.min(first + this.accum, this.batchesPerEpoch);
    const out: number[][] = [];
    for (let b = first; b < last; b++) out.push(order.slice(b * this.batchSize, (b + 1) * this.batchSize));
    return out;
  }
}

/** The plan of a training config over `numExamples` examples (its batch, accumulation, epochs, max_steps, seed). */
export function dataPlanOf(
  cfg: {
    per_device_train_batch_size: number;
    gradient_accumulation_steps: number;
    num_train_epochs: number;
    max_steps: number;
    seed: number;
  },
  numExamples: number,
): DataPlan {
  return new DataPlan(
    numExamples,
    cfg.per_device_train_batch_size,
    cfg.gradient_accumulation_steps,
    cfg.num_train_epochs,
    cfg.max_steps,
    cfg.seed,
  );
}
