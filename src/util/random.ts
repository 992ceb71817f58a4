import { sha256 } from "./hash.js";

/**
 * The project's one seeded PRNG (mulberry32) and the small helpers around it. Every user derives a stream from its
 * seed and *what is being decided* (a row id, a purpose and index, a world key) rather than from a running
 * generator, so results never depend on processing order, concurrency or resumption.
 *
 * The seeding differs by user and is part of each user's reproducible output, so each has its own named function:
 *   deriveSeed(seed, key)    FNV-1a of a string from a base seed (data engine: per-row streams, pairs operations)
 *   mixSeeds(...ints)        a hash of several integers (training: data order, validation split, LoRA init)
 *   sha256Seed(key)          the first 32 bits of sha256(key) (the offline world: randFor / unitFor)
 * and plain integer seeds go to mulberry32 directly (tiny model weights, sampling in generate).
 */

/** A stream of floats in [0, 1). */
export type Rand = () => number;

/** mulberry32: 32 bits of state, floats in [0, 1) with 32 random bits each. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a of a string's UTF-16 code units, starting from the offset basis xor `seed`. */
export function fnv1a32(key: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 32-bit seed derived from a base seed and a string (FNV-1a), for per-row streams. */
export function deriveSeed(seed: number, key: string): number {
  return fnv1a32(key, seed);
}

/** SplitMix64-style 32-bit mixer (fast, well distributed). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit seed from several integers, in order (each folded in whole, bits above 2^32 included). */
export function mixSeeds(...seeds: number[]): number {
  let s = 0x9e3779b9;
  for (const v of seeds) s = mix32(s ^ mix32(v | 0) ^ mix32(Math.floor(v / 2 ** 32)));
  return s >>> 0;
}

/** The first 32 bits of sha256(key): a seed for a stream named by a string. */
export function sha256Seed(key: string): number {
  return Number.parseInt(sha256(key).slice(0, 8), 16) >>> 0;
}

/** A mulberry32 stream seeded from sha256(key): the same key always draws the same numbers. */
export function randFor(key: string): Rand {
  return mulberry32(sha256Seed(key));
}

/** A uniform draw in [0, 1) for one decision named by `key`. */
export function unitFor(key: string): number {
  return randFor(key)();
}

/**
 * Standard normal draws by Box-Muller over `uniform`: two uniforms per draw (the first clamped to 1e-12), cosine
 * branch only.
 */
export function standardNormal(uniform: Rand): Rand {
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** One item, uniformly. */
export function pick<T>(items: readonly T[], rand: Rand): T {
  return items[Math.floor(rand() * items.length)];
}

/** A shuffled copy (Fisher-Yates from the end). */
export function shuffled<T>(items: readonly T[], rand: Rand): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A random permutation of 0..n-1 (`shuffled` of the identity). */
export function permutation(n: number, rand: Rand): number[] {
  return shuffled(
    Array.from({ length: n }, (_, i) => i),
    rand,
  );
}

/** `k` distinct items of `items`, chosen with `rand` (partial Fisher-Yates from the front), in their original order. */
export function sample<T>(items: readonly T[], k: number, rand: Rand): T[] {
  const idx = items.map((_, i) => i);
  const n = Math.min(k, idx.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}
