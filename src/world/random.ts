import { sha256 } from "../util/hash.js";

/**
 * Seeded randomness for the world. Every draw derives from a string key (the seed and what is being decided), so
 * the world's programs are pure functions of their prompt: the same request always gets the same answer.
 */
export type Rand = () => number;

/** A mulberry32 stream seeded from the first 32 bits of sha256(key). */
export function randFor(key: string): Rand {
  let a = Number.parseInt(sha256(key).slice(0, 8), 16) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw in [0, 1) for one decision. */
export function unitFor(key: string): number {
  return randFor(key)();
}

export function pick<T>(items: readonly T[], rand: Rand): T {
  return items[Math.floor(rand() * items.length)];
}

/** A shuffled copy (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], rand: Rand): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
