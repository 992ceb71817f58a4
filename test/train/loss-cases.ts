/**
 * The loss cases that both graph-loss tests run (graph-losses.test.ts against the scalar losses, engine-losses.test.ts
 * through the engine's autodiff): a two-example batch with every sequence role, and per method x option set the
 * options used and the batch's sequences in the method's order.
 */
import {
  defaultLossOptions,
  type Example,
  type LossOptions,
  METHOD_SEQUENCES,
  METHODS,
  type Method,
  type SeqLogps,
} from "../../src/train/losses/index.js";

const seq = (policy: number, reference: number, tokens: number) => ({ policy, reference, tokens });

export const lossBatch: Example[] = [
  {
    chosen: seq(-10.2, -11, 4),
    rejected: seq(-14.7, -14.1, 6),
    chosen_v1: seq(-12.5, -13, 5),
    rejected_v1: seq(-20, -19.2, 7),
    chosen_v2: seq(-15.1, -15.9, 6),
    rejected_v2: seq(-18.4, -18, 4),
  },
  {
    chosen: seq(-3.3, -2.9, 3),
    rejected: seq(-2.1, -2.4, 2),
    chosen_v1: seq(-3, -2, 2),
    rejected_v1: seq(-5, -6, 3),
    chosen_v2: seq(-4, -4.5, 2),
    rejected_v2: seq(-7, -6, 3),
  },
];

export interface LossCase {
  method: Method;
  config: Partial<LossOptions>;
  options: LossOptions;
  /** every example's sequences in METHOD_SEQUENCES[method] order */
  flat: SeqLogps[];
}

/** Every method with every config (SimPO and ORPO have no IPO variant; SimPO runs at its usual beta 2). */
export function lossCases(configs: Partial<LossOptions>[]): LossCase[] {
  return METHODS.flatMap((method) =>
    configs
      .filter((c) => !((method === "simpo" || method === "orpo") && c.lossType === "ipo"))
      .map((config) => ({
        method,
        config,
        options: { ...defaultLossOptions, ...(method === "simpo" ? { ...config, beta: 2 } : config) },
        flat: lossBatch.flatMap((ex) => METHOD_SEQUENCES[method].map((n) => ex[n]!)),
      })),
  );
}
