/**
 * A tiny float64 n-d array used by the plain-TypeScript reference implementation of the engine's ops. Written for
 * readability, not speed: tests only.
 */
export class Arr {
  readonly data: Float64Array;
  constructor(
    readonly shape: number[],
    data?: ArrayLike<number>,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.data = data ? Float64Array.from(data) : new Float64Array(n);
    if (this.data.length !== n) throw new Error(`Arr: ${this.data.length} values for shape [${shape}]`);
  }
  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  clone(): Arr {
    return new Arr([...this.shape], this.data);
  }
  static fill(shape: number[], v: number): Arr {
    const a = new Arr(shape);
    a.data.fill(v);
    return a;
  }
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of a flat offset. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + idx[i]!;
  return f;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`broadcast [${a}] vs [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Offset into `shape` (right-aligned, broadcasting size-1 axes) for a multi-index of the broadcast result. */
export function broadcastOffset(idx: readonly number[], shape: readonly number[]): number {
  const off = idx.length - shape.length;
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + (shape[i] === 1 ? 0 : idx[off + i]!);
  return f;
}

/** Elementwise op over any number of broadcast operands. */
export function zipWith(arrs: Arr[], fn: (...v: number[]) => number): Arr {
  const shape = arrs.reduce<number[]>((s, a) => broadcastShape(s, a.shape), []);
  const out = new Arr(shape);
  for (let f = 0; f < out.size; f++) {
    const idx = unravel(f, shape);
    out.data[f] = fn(...arrs.map((a) => a.data[broadcastOffset(idx, a.shape)]!));
  }
  return out;
}

export function map(a: Arr, fn: (v: number) => number): Arr {
  return new Arr([...a.shape], a.data.map(fn));
}

/** Sum a broadcast result back to `shape` (the reverse of broadcasting). */
export function sumTo(a: Arr, shape: readonly number[]): Arr {
  const out = new Arr([...shape]);
  for (let f = 0; f < a.size; f++) out.data[broadcastOffset(unravel(f, a.shape), shape)]! += a.data[f]!;
  return out;
}
