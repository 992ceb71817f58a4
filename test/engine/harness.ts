/** Shared helpers for the engine tests: a seeded RNG and error metrics. */
import { mulberry32 } from "../../src/util/random.js";

/** mulberry32 (seed 0 is taken as 1). */
export function rng(seed: number): () => number {
  return mulberry32(seed >>> 0 || 1);
}

/** max|a-b| / max(max|b|, floor): the error relative to the scale of the reference. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = floor;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}
