/**
 * Correctly rounded `log`, `sin` and `cos` for doubles.
 *
 * Why: CPython's `random.gauss` calls the C library's log/sin/cos (glibc's are correctly rounded in practice),
 * while V8's `Math.log`/`Math.sin`/`Math.cos` are fdlibm ports that are off by one ulp on a few percent of inputs.
 * langdetect's smoothing constant comes from `gauss`, so a bit-exact port needs the correctly rounded values.
 *
 * How: the double argument is taken exactly (mantissa and exponent), the function is evaluated in BigInt fixed point
 * with 160 fractional bits (series for atanh and for sin/cos after reduction by pi/2), and the result is rounded once
 * to the nearest double. Slow (microseconds per call) but called only a few times per detection.
 */

const P = 160n;
const ONE = 1n << P;
const GUARD = 32n;

/** atan(1/n) in fixed point with `bits` fractional bits (Gregory series). */
function atanInv(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let term = one / n;
  let sum = term;
  const n2 = n * n;
  for (let k = 3n, sign = -1n; term !== 0n; k += 2n, sign = -sign) {
    term /= n2;
    sum += (sign * term) / k;
  }
  return sum;
}

/** atanh(1/n) in fixed point with `bits` fractional bits. */
function atanhInv(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let term = one / n;
  let sum = term;
  const n2 = n * n;
  for (let k = 3n; term !== 0n; k += 2n) {
    term /= n2;
    sum += term / k;
  }
  return sum;
}

// Machin's formula for pi and ln 2 = 2 atanh(1/3), computed with guard bits then cut to P fractional bits.
const PI = (16n * atanInv(5n, P + GUARD) - 4n * atanInv(239n, P + GUARD)) >> GUARD;
const HALF_PI = PI >> 1n;
const LN2 = (2n * atanhInv(3n, P + GUARD)) >> GUARD;
const SCALE = 2 ** Number(P);

/** A finite double as mantissa * 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const sign = bits >> 63n ? -1n : 1n;
  if (biasedExp === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: biasedExp - 1075 };
}

/** x as a fixed-point BigInt with P fractional bits (truncated). */
function toFixed(x: number): bigint {
  const { mantissa, exponent } = decompose(x);
  const shift = BigInt(exponent) + P;
  return shift >= 0n ? mantissa << shift : mantissa >> -shift;
}

/** The nearest double to a fixed-point value (one rounding: BigInt to Number; the power-of-two scaling is exact). */
function fromFixed(v: bigint): number {
  return Number(v) / SCALE;
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** Correctly rounded natural logarithm. */
export function exactLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x === 1) return 0;
  // x = f * 2^k with f in [1, 2); log x = k ln2 + 2 atanh((f - 1) / (f + 1)).
  const { mantissa, exponent } = decompose(x);
  const length = bitLength(mantissa);
  const k = BigInt(exponent + length - 1);
  const f = mantissa << (P - BigInt(length - 1));
  const u = ((f - ONE) << P) / (f + ONE);
  const u2 = (u * u) >> P;
  let term = u;
  let sum = u;
  for (let n = 3n; term !== 0n; n += 2n) {
    term = (term * u2) >> P;
    sum += term / n;
  }
  return fromFixed(k * LN2 + 2n * sum);
}

/** sin and cos of r in [0, pi/2) in fixed point (Taylor series). */
function sinCosReduced(r: bigint): { sin: bigint; cos: bigint } {
  const r2 = (r * r) >> P;
  let sin = r;
  let term = r;
  for (let n = 2n; term !== 0n; n += 2n) {
    term = -((term * r2) >> P) / (n * (n + 1n));
    sin += term;
  }
  let cos = ONE;
  term = ONE;
  for (let n = 1n; term !== 0n; n += 2n) {
    term = -((term * r2) >> P) / (n * (n + 1n));
    cos += term;
  }
  return { sin, cos };
}

/** sin and cos in fixed point for a moderate finite argument (reduction by pi/2 in fixed point). */
function sinCos(x: number): { sin: bigint; cos: bigint } {
  if (!Number.isFinite(x) || Math.abs(x) > 1e6) throw new RangeError(`exact sin/cos supports |x| <= 1e6, got ${x}`);
  const X = toFixed(x);
  let q = X / HALF_PI;
  let r = X - q * HALF_PI;
  if (r < 0n) {
    r += HALF_PI;
    q -= 1n;
  }
  const { sin, cos } = sinCosReduced(r);
  switch (Number(((q % 4n) + 4n) % 4n)) {
    case 0:
      return { sin, cos };
    case 1:
      return { sin: cos, cos: -sin };
    case 2:
      return { sin: -sin, cos: -cos };
    default:
      return { sin: -cos, cos: sin };
  }
}

/** Correctly rounded sine for |x| <= 1e6. */
export function exactSin(x: number): number {
  if (x === 0) return x;
  return fromFixed(sinCos(x).sin);
}

/** Correctly rounded cosine for |x| <= 1e6. */
export function exactCos(x: number): number {
  return fromFixed(sinCos(x).cos);
}
