/**
 * The few pieces of Python/NumPy numeric behaviour the CFBench scorer depends on, reproduced so that our
 * CSR/ISR/PSR equal upstream's to the last digit:
 * - `round(x, n)`: correctly rounded on the exact binary value, ties to even (so round(0.125, 2) == 0.12);
 * - `np.mean`: NumPy's pairwise summation (8-way unrolled blocks of up to 128) then one division;
 * - `float(s)`: Python's accepted literal syntax (surrounding whitespace, signs, exponents, inf/nan, underscores).
 */

/** Python's `round(x, ndigits)` for finite doubles (NaN/inf pass through). */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const neg = x < 0;
  const a = Math.abs(x);
  // toFixed is exact except on exact decimal ties, where it rounds away from zero; Python rounds ties to even.
  let fixed = a.toFixed(ndigits);
  const long = a.toFixed(Math.min(100, ndigits + 60));
  const tail = long.slice(long.length - 60);
  if (/^50*$/.test(tail)) {
    // Exact tie: the truncated value decides by parity.
    const truncated = long.slice(0, long.length - 60);
    const lastDigit = Number(
      truncated[truncated.length - 1] === "." ? truncated[truncated.length - 2] : truncated.at(-1),
    );
    if (lastDigit % 2 === 0) fixed = ndigits === 0 ? truncated.replace(/\.$/, "") : truncated;
  }
  const r = Number(fixed);
  return neg ? -r : r;
}

/** NumPy's pairwise sum (numpy/core/src/umath/loops_utils.h.src, PW_BLOCKSIZE 128). */
export function npPairwiseSum(a: readonly number[], start = 0, n = a.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    // NumPy starts from -0.0 for n < 8; the sign of zero does not matter here.
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npPairwiseSum(a, start, n2) + npPairwiseSum(a, start + n2, n - n2);
}

/** `np.mean(list_of_floats)`; NaN for an empty list (NumPy warns and returns nan). */
export function npMean(a: readonly number[]): number {
  if (a.length === 0) return Number.NaN;
  return npPairwiseSum(a) / a.length;
}

const PY_FLOAT =
  /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?)$/;

/** Map any Unicode decimal digit (full-width １, Arabic-Indic ٣, ...) to ASCII, as Python's float() accepts them. */
function asciiDigits(s: string): string {
  return s.replace(/\p{Nd}/gu, (d) => {
    if (d >= "0" && d <= "9") return d;
    // Decimal digits come in runs of ten starting at zero: the digit is the offset in its run.
    let cp = d.codePointAt(0)!;
    let start = cp;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    cp -= start;
    return String((cp % 10) as number);
  });
}

/** Python's `float(s)`; throws a TypeError-like Error where Python raises ValueError. */
export function pyFloat(s: string): number {
  const t = asciiDigits(s.replace(/^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/gu, ""));
  const lower = t.toLowerCase();
  const m = /^([+-]?)(inf|infinity|nan)$/.exec(lower);
  if (m) return m[2] === "nan" ? Number.NaN : m[1] === "-" ? -Infinity : Infinity;
  if (!PY_FLOAT.test(t)) throw new Error(`could not convert string to float: '${s}'`);
  return Number(t.replaceAll("_", ""));
}
