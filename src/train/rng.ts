import { mixSeeds, mulberry32, permutation } from "../util/random.js";

/**
 * Deterministic randomness for training. Every random choice is derived from (seed, purpose, index) rather than
 * from a running generator, so a resumed run needs no saved generator state: epoch e's data order is always
 * `epochPermutation(n, seed, e)`.
 */

/** Mulberry32 generator seeded from several integers; returns floats in [0, 1). */
export function rng(...seeds: number[]): () => number {
  return mulberry32(mixSeeds(...seeds));
}

const EPOCH_STREAM = 1;
const SPLIT_STREAM = 2;

/** The data order of one epoch. */
export function epochPermutation(n: number, seed: number, epoch: number): number[] {
  return permutation(n, rng(seed, EPOCH_STREAM, epoch));
}

/**
 * Train/validation split like LLaMA-Factory's `val_size`: a fraction in (0, 1) or a count >= 1 of examples,
 * drawn with the seed. Returns sorted index lists.
 */
export function trainValSplit(n: number, valSize: number, seed: number): { train: number[]; val: number[] } {
  const nVal = valSize <= 0 ? 0 : valSize < 1 ? Math.ceil(n * valSize) : Math.floor(valSize);
  if (nVal >= n) throw new Error(`val_size ${valSize} leaves no training examples (dataset has ${n})`);
  const perm = permutation(n, rng(seed, SPLIT_STREAM));
  return { train: perm.slice(nVal).sort((a, b) => a - b), val: perm.slice(0, nVal).sort((a, b) => a - b) };
}
