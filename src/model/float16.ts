/**
 * Bit-level conversions between float32 and the two 16-bit floating formats found in Hugging Face checkpoints.
 * Written from the IEEE 754 definitions: bf16 is the top half of a float32 (8-bit exponent, 7-bit mantissa);
 * f16 is IEEE binary16 (5-bit exponent bias 15, 10-bit mantissa, subnormals). float32 -> 16-bit rounds to nearest,
 * ties to even, like PyTorch's `.to(torch.bfloat16)` / `.half()`, so a checkpoint written from float32 values
 * matches what Python would have saved.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function bitsToFloat32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** bf16 bits -> float32 value (exact: bf16 is a truncated float32). */
export function bf16ToFloat32(h: number): number {
  return bitsToFloat32((h & 0xffff) << 16);
}

/** float32 value -> bf16 bits, round to nearest even; NaN stays NaN (quiet, sign kept). */
export function float32ToBf16(x: number): number {
  const bits = float32Bits(x);
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return ((bits >>> 16) | 0x0040) & 0xffff;
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** f16 bits -> float32 value (exact). */
export function f16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * float32 value -> f16 bits, round to nearest even, with overflow to infinity, gradual underflow into subnormals,
 * and NaN preserved as a quiet NaN (payload's top bits kept, sign kept).
 */
export function float32ToF16(x: number): number {
  const bits = float32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  // Unbiased exponent; f16 normal range is [-14, 15].
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal: keep 10 mantissa bits, round the 13 dropped bits to nearest even (a carry may bump the exponent,
    // possibly to infinity, which is the correct result).
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  // Subnormal or zero: value = full * 2^(e-23) with the implicit bit; f16 subnormal unit is 2^-24.
  if (exp === 0) return sign; // float32 subnormals are far below f16's smallest subnormal
  const full = mant | 0x800000;
  const shift = -e - 1; // number of bits to drop so that the result is in units of 2^-24: (e - 23) + 24 = e + 1
  if (shift > 24) return sign; // below half of the smallest subnormal
  const h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  const up = rest > half || (rest === half && (h & 1) === 1);
  return sign | (h + (up ? 1 : 0));
}
