import { describe, expect, it } from "vitest";
import {
  bf16ToFloat32,
  bitsToFloat32,
  f16ToFloat32,
  float32Bits,
  float32ToBf16,
  float32ToF16,
} from "../../src/model/float16.js";
import { mulberry32 } from "../../src/util/random.js";

/**
 * Independent reference for float32 -> 16-bit rounding: no bit tricks, just "the representable value nearest to x
 * (in float64 arithmetic), ties to the one with an even last bit", searched in the sorted table of all finite
 * values of the format. Overflow follows IEEE: values at or beyond max + half an ulp round to infinity.
 */
function referenceRounder(decode: (h: number) => number, maxFinite: number, halfUlpAtMax: number) {
  const finite: { v: number; h: number }[] = [];
  for (let h = 0; h < 0x8000; h++) {
    const v = decode(h);
    if (Number.isFinite(v)) finite.push({ v, h });
  }
  finite.sort((a, b) => a.v - b.v);
  return (x: number): number => {
    if (Number.isNaN(x)) return -1;
    const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
    const a = Math.abs(x);
    if (a >= maxFinite + halfUlpAtMax) return sign | (decode === f16ToFloat32 ? 0x7c00 : 0x7f80);
    let lo = 0;
    let hi = finite.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (finite[mid].v <= a) lo = mid;
      else hi = mid;
    }
    const below = finite[lo];
    const above = finite[hi];
    if (a <= below.v) return sign | below.h;
    const dBelow = a - below.v;
    const dAbove = above.v - a;
    if (dBelow < dAbove) return sign | below.h;
    if (dAbove < dBelow) return sign | above.h;
    return sign | ((below.h & 1) === 0 ? below.h : above.h);
  };
}

/** float32 inputs that stress rounding: every 16-bit value, its neighbours, the exact midpoints, random bits. */
function probeInputs(decode: (h: number) => number): number[] {
  const xs: number[] = [];
  for (let h = 0; h < 0x10000; h += 1) {
    const v = decode(h);
    if (!Number.isFinite(v)) continue;
    xs.push(v);
    const next = decode(h + 1);
    if ((h & 0x7fff) < 0x7bff && Number.isFinite(next) && Math.sign(next) === Math.sign(v)) {
      const mid = Math.fround((v + next) / 2);
      xs.push(mid, bitsToFloat32(float32Bits(mid) + 1), bitsToFloat32(float32Bits(mid) - 1));
    }
  }
  const r = mulberry32(7);
  for (let i = 0; i < 20000; i++) {
    const x = bitsToFloat32(Math.floor(r() * 2 ** 32));
    if (Number.isFinite(x)) xs.push(x);
  }
  return xs;
}

describe("16-bit float conversions", () => {
  it("f16 decode covers the IEEE cases", () => {
    expect(f16ToFloat32(0x3c00)).toBe(1);
    expect(f16ToFloat32(0x7bff)).toBe(65504);
    expect(f16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(f16ToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16ToFloat32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(f16ToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(f16ToFloat32(0x7e00)).toBeNaN();
    expect(Object.is(f16ToFloat32(0x8000), -0)).toBe(true);
  });

  it("every non-NaN 16-bit pattern round-trips exactly through float32", () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const isNanF16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      const f16 = float32ToF16(f16ToFloat32(h));
      if (isNanF16 ? (f16 & 0x7e00) !== 0x7e00 : f16 !== h) bad.push(h);
      const isNanBf = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      const bf = float32ToBf16(bf16ToFloat32(h));
      if (isNanBf ? !Number.isNaN(bf16ToFloat32(bf)) : bf !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it("float32 -> f16 rounds to nearest even, including subnormals and overflow (vs value-search reference)", () => {
    const ref = referenceRounder(f16ToFloat32, 65504, 16);
    const xs = probeInputs(f16ToFloat32);
    expect(xs.length).toBeGreaterThan(100000);
    expect(xs.filter((x) => float32ToF16(x) !== ref(x)).slice(0, 5)).toEqual([]);
    expect(float32ToF16(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it("float32 -> bf16 rounds to nearest even (vs value-search reference)", () => {
    const max = bf16ToFloat32(0x7f7f);
    const ref = referenceRounder(bf16ToFloat32, max, 2 ** (127 - 8));
    const xs = probeInputs(bf16ToFloat32);
    expect(xs.filter((x) => float32ToBf16(x) !== ref(x)).slice(0, 5)).toEqual([]);
    expect(Number.isNaN(bf16ToFloat32(float32ToBf16(Number.NaN)))).toBe(true);
  });
});
