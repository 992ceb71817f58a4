import type { LossOptions } from "./losses/index.js";
import type { TrainMethod } from "./online/config.js";

/** Result of scoring one micro-batch. */
export interface MicroBatchResult {
  /** The micro-batch loss as the method's loss function defines it (batch mean; SFT: sum / tokenNormalizer). */
  loss: number;
  /** TRL-named metrics averaged over the micro-batch. */
  metrics: Record<string, number>;
  /** Number of tokens processed (prompt + response, all sequences), for tokens/s. */
  tokens: number;
}

/**
 * What the trainer needs from a model. The engine-backed decoder implements it (policy log-probs + backward in
 * ONNX Runtime, reference log-probs from the on-disk cache); tests implement it with a small analytic model.
 */
export interface TrainableModel<Row> {
  /** Trainable parameters by (HF / PEFT) name; the optimizer updates them in place. */
  readonly params: Map<string, Float32Array>;
  /** Response tokens of a row after truncation (SFT normalises the summed NLL by the step's total). */
  responseTokens(row: Row): number;
  /**
   * Forward + backward: the loss of `rows` and d loss / d param, added into `grads` scaled by `weight`. `at.step` is
   * the 0-based optimizer step (it seeds stochastic regularisation such as LoRA dropout, so resume replays it).
   */
  trainStep(
    rows: readonly Row[],
    method: TrainMethod,
    loss: LossOptions,
    grads: Map<string, Float32Array>,
    weight: number,
    at?: { step: number },
  ): MicroBatchResult | Promise<MicroBatchResult>;
  /** Forward only (evaluation). */
  evalStep(rows: readonly Row[], method: TrainMethod, loss: LossOptions): MicroBatchResult | Promise<MicroBatchResult>;
  /** Write the model (a Hugging Face model folder, or PEFT adapters) into `dir`. */
  save(dir: string): void;
  /** Restore parameters written by `save`. */
  load(dir: string): void;
}
