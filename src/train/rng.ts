/**
 * Deterministic randomness for training. Every random choice is derived from (seed, purpose, index) rather than
 * from a running generator, so a resumed run needs no saved generator state: epoch e's data order is always
 * `epochPermutation(n, seed, e)`.
 */

/** SplitMix64-style 32-bit mixer (fast, well distributed). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Mulberry32 generator seeded from several integers; returns floats in [0, 1). */
export function rng(...seeds: number[]): () => number {
  let s = 0x9e3779b9;
  for (const v of seeds) s = mix32(s ^ mix32(v | 0) ^ mix32(Math.floor(v / 2 ** 32)));
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..n-1 drawn from `random`. */
export function permutation(n: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
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
