/**
 * Plain-TypeScript float64 reference of every differentiable engine op: a forward function with ONNX semantics and
 * its vector-Jacobian product, written directly from the maths. Used only by tests, to check the ONNX graphs and the
 * autodiff rules (and itself checked against central finite differences).
 */
import { Arr, map, ravel, strides, sumTo, unravel, zipWith } from "./ndarray.js";

export interface RefOp<P = Record<string, never>> {
  forward(inputs: Arr[], p: P): Arr;
  /** Gradients w.r.t. each input given the output cotangent `gy` (undefined for non-differentiable inputs). */
  vjp(inputs: Arr[], out: Arr, gy: Arr, p: P): (Arr | undefined)[];
}

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function unary(f: (x: number) => number, df: (x: number, y: number) => number): RefOp {
  return {
    forward: ([x]) => map(x!, f),
    vjp: ([x], y, gy) => [zipWith([x!, y, gy], (a, b, c) => c * df(a, b))],
  };
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export const add: RefOp = {
  forward: ([a, b]) => zipWith([a!, b!], (x, y) => x + y),
  vjp: ([a, b], _y, gy) => [sumTo(gy, a!.shape), sumTo(gy, b!.shape)],
};
export const sub: RefOp = {
  forward: ([a, b]) => zipWith([a!, b!], (x, y) => x - y),
  vjp: ([a, b], _y, gy) => [
    sumTo(gy, a!.shape),
    sumTo(
      map(gy, (v) => -v),
      b!.shape,
    ),
  ],
};
export const mul: RefOp = {
  forward: ([a, b]) => zipWith([a!, b!], (x, y) => x * y),
  vjp: ([a, b], _y, gy) => [
    sumTo(
      zipWith([gy, b!], (g, y) => g * y),
      a!.shape,
    ),
    sumTo(
      zipWith([gy, a!], (g, x) => g * x),
      b!.shape,
    ),
  ],
};
export const div: RefOp = {
  forward: ([a, b]) => zipWith([a!, b!], (x, y) => x / y),
  vjp: ([a, b], _y, gy) => [
    sumTo(
      zipWith([gy, b!], (g, y) => g / y),
      a!.shape,
    ),
    sumTo(
      zipWith([gy, a!, b!], (g, x, y) => (-g * x) / (y * y)),
      b!.shape,
    ),
  ],
};
export const pow: RefOp = {
  forward: ([a, b]) => zipWith([a!, b!], (x, e) => x ** e),
  vjp: ([a, b], _y, gy) => [
    sumTo(
      zipWith([gy, a!, b!], (g, x, e) => g * e * x ** (e - 1)),
      a!.shape,
    ),
    sumTo(
      zipWith([gy, a!, b!], (g, x, e) => g * x ** e * Math.log(x)),
      b!.shape,
    ),
  ],
};
export const neg = unary(
  (x) => -x,
  () => -1,
);
export const exp = unary(Math.exp, (_x, y) => y);
export const log = unary(Math.log, (x) => 1 / x);
export const sqrt = unary(Math.sqrt, (_x, y) => 0.5 / y);
export const reciprocal = unary(
  (x) => 1 / x,
  (_x, y) => -y * y,
);
export const sigmoidOp = unary(sigmoid, (_x, y) => y * (1 - y));
export const softplus = unary((x) => (x > 30 ? x : Math.log1p(Math.exp(x))), sigmoid);
export const tanh = unary(Math.tanh, (_x, y) => 1 - y * y);

/** Apply `fn` to every 1-D fibre of `x` along `axis` (fn writes the output fibre in place). */
function alongAxis(x: Arr, axis: number, fn: (inp: number[], out: number[]) => void, others: Arr[] = []): Arr {
  const a = norm(axis, x.rank);
  const st = strides(x.shape);
  const n = x.shape[a]!;
  const out = new Arr([...x.shape]);
  for (let f = 0; f < x.size; f++) {
    if (unravel(f, x.shape)[a] !== 0) continue;
    const idx = Array.from({ length: n }, (_, k) => f + k * st[a]!);
    const res = new Array<number>(n).fill(0);
    fn([...idx.map((i) => x.data[i]!), ...others.flatMap((o) => idx.map((i) => o.data[i]!))], res);
    idx.forEach((i, k) => {
      out.data[i] = res[k]!;
    });
  }
  return out;
}

export const softmax: RefOp<{ axis: number }> = {
  forward: ([x], { axis }) =>
    alongAxis(x!, axis, (v, o) => {
      const m = Math.max(...v);
      const e = v.map((t) => Math.exp(t - m));
      const s = e.reduce((p, q) => p + q, 0);
      e.forEach((t, i) => {
        o[i] = t / s;
      });
    }),
  vjp: (_x, y, gy, { axis }) => [
    alongAxis(
      y,
      axis,
      (v, o) => {
        const n = o.length;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * v[n + i]!;
        for (let i = 0; i < n; i++) o[i] = v[i]! * (v[n + i]! - dot);
      },
      [gy],
    ),
  ],
};

export const logSoftmax: RefOp<{ axis: number }> = {
  forward: ([x], { axis }) =>
    alongAxis(x!, axis, (v, o) => {
      const m = Math.max(...v);
      const lse = m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
      v.forEach((t, i) => {
        o[i] = t - lse;
      });
    }),
  vjp: (_x, y, gy, { axis }) => [
    alongAxis(
      y,
      axis,
      (v, o) => {
        const n = o.length;
        let s = 0;
        for (let i = 0; i < n; i++) s += v[n + i]!;
        for (let i = 0; i < n; i++) o[i] = v[n + i]! - Math.exp(v[i]!) * s;
      },
      [gy],
    ),
  ],
};

interface ReduceP {
  axes: number[];
  keepdims: boolean;
}

function reduceShape(shape: number[], axes: number[], keep: boolean): number[] {
  const ax = axes.map((a) => norm(a, shape.length));
  return keep ? shape.map((d, i) => (ax.includes(i) ? 1 : d)) : shape.filter((_, i) => !ax.includes(i));
}

/** The reduction output index (keepdims layout) of every input element. */
function keptIndex(f: number, shape: number[], axes: number[]): number {
  const idx = unravel(f, shape);
  const kshape = reduceShape(shape, axes, true);
  axes.forEach((a) => {
    idx[norm(a, shape.length)] = 0;
  });
  return ravel(idx, kshape);
}

function reduceWith(x: Arr, p: ReduceP, combine: (vals: number[]) => number): Arr {
  const kshape = reduceShape(x.shape, p.axes, true);
  const buckets: number[][] = Array.from({ length: kshape.reduce((a, b) => a * b, 1) }, () => []);
  for (let f = 0; f < x.size; f++) buckets[keptIndex(f, x.shape, p.axes)]!.push(x.data[f]!);
  return new Arr(reduceShape(x.shape, p.axes, p.keepdims), buckets.map(combine));
}

/** Broadcast a reduction's cotangent back over the input, times a per-element factor. */
function spread(x: Arr, gy: Arr, axes: number[], factor: (f: number, k: number) => number): Arr {
  const out = new Arr([...x.shape]);
  for (let f = 0; f < x.size; f++) {
    const k = keptIndex(f, x.shape, axes);
    out.data[f] = gy.data[k]! * factor(f, k);
  }
  return out;
}

export const reduceSum: RefOp<ReduceP> = {
  forward: ([x], p) => reduceWith(x!, p, (v) => v.reduce((a, b) => a + b, 0)),
  vjp: ([x], _y, gy, p) => [spread(x!, gy, p.axes, () => 1)],
};
export const reduceMean: RefOp<ReduceP> = {
  forward: ([x], p) => reduceWith(x!, p, (v) => v.reduce((a, b) => a + b, 0) / v.length),
  vjp: ([x], y, gy, p) => [spread(x!, gy, p.axes, () => y.size / x!.size)],
};
export const reduceLogSumExp: RefOp<ReduceP> = {
  forward: ([x], p) =>
    reduceWith(x!, p, (v) => {
      const m = Math.max(...v);
      return m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
    }),
  vjp: ([x], y, gy, p) => [spread(x!, gy, p.axes, (f, k) => Math.exp(x!.data[f]! - y.data[k]!))],
};

export const reshape: RefOp<{ shape: number[] }> = {
  forward: ([x], { shape }) => new Arr([...shape], x!.data),
  vjp: ([x], _y, gy) => [new Arr([...x!.shape], gy.data)],
};

function permute(x: Arr, perm: number[]): Arr {
  const shape = perm.map((p) => x.shape[p]!);
  const out = new Arr(shape);
  for (let f = 0; f < x.size; f++) {
    const idx = unravel(f, x.shape);
    out.data[
      ravel(
        perm.map((p) => idx[p]!),
        shape,
      )
    ] = x.data[f]!;
  }
  return out;
}

export const transpose: RefOp<{ perm: number[] }> = {
  forward: ([x], { perm }) => permute(x!, perm),
  vjp: (_x, _y, gy, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inv[p] = i;
    });
    return [permute(gy, inv)];
  },
};

export const expand: RefOp<{ shape: number[] }> = {
  forward: ([x], { shape }) => zipWith([x!, Arr.fill(shape, 0)], (a) => a),
  vjp: ([x], _y, gy) => [sumTo(gy, x!.shape)],
};

export const concat: RefOp<{ axis: number }> = {
  forward: (xs, { axis }) => {
    const a = norm(axis, xs[0]!.rank);
    const shape = [...xs[0]!.shape];
    shape[a] = xs.reduce((s, x) => s + x.shape[a]!, 0);
    const out = new Arr(shape);
    let off = 0;
    for (const x of xs) {
      for (let f = 0; f < x.size; f++) {
        const idx = unravel(f, x.shape);
        idx[a]! += off;
        out.data[ravel(idx, shape)] = x.data[f]!;
      }
      off += x.shape[a]!;
    }
    return out;
  },
  vjp: (xs, _y, gy, { axis }) => {
    const a = norm(axis, xs[0]!.rank);
    let off = 0;
    return xs.map((x) => {
      const g = new Arr([...x.shape]);
      for (let f = 0; f < x.size; f++) {
        const idx = unravel(f, x.shape);
        idx[a]! += off;
        g.data[f] = gy.data[ravel(idx, gy.shape)]!;
      }
      off += x.shape[a]!;
      return g;
    });
  },
};

interface SliceP {
  starts: number[];
  ends: number[];
  axes: number[];
}
function sliceBounds(shape: number[], p: SliceP): { lo: number[]; hi: number[] } {
  const lo = shape.map(() => 0);
  const hi = [...shape];
  p.axes.forEach((ax, i) => {
    const a = norm(ax, shape.length);
    const d = shape[a]!;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    lo[a] = clamp(p.starts[i]!);
    hi[a] = Math.max(lo[a]!, clamp(p.ends[i]!));
  });
  return { lo, hi };
}
export const slice: RefOp<SliceP> = {
  forward: ([x], p) => {
    const { lo, hi } = sliceBounds(x!.shape, p);
    const shape = lo.map((l, i) => hi[i]! - l);
    const out = new Arr(shape);
    for (let f = 0; f < out.size; f++) {
      const idx = unravel(f, shape).map((v, i) => v + lo[i]!);
      out.data[f] = x!.data[ravel(idx, x!.shape)]!;
    }
    return out;
  },
  vjp: ([x], _y, gy, p) => {
    const { lo } = sliceBounds(x!.shape, p);
    const g = new Arr([...x!.shape]);
    for (let f = 0; f < gy.size; f++) {
      const idx = unravel(f, gy.shape).map((v, i) => v + lo[i]!);
      g.data[ravel(idx, x!.shape)] = gy.data[f]!;
    }
    return [g];
  },
};

/** Gather along axis 0 (embedding lookup); indices are passed as an Arr of integers. */
export const gather: RefOp = {
  forward: ([data, indices]) => {
    const row = data!.size / data!.shape[0]!;
    const out = new Arr([...indices!.shape, ...data!.shape.slice(1)]);
    for (let i = 0; i < indices!.size; i++) {
      const r = indices!.data[i]!;
      for (let j = 0; j < row; j++) out.data[i * row + j] = data!.data[r * row + j]!;
    }
    return out;
  },
  vjp: ([data, indices], _y, gy) => {
    const row = data!.size / data!.shape[0]!;
    const g = new Arr([...data!.shape]);
    for (let i = 0; i < indices!.size; i++) {
      const r = indices!.data[i]!;
      for (let j = 0; j < row; j++) g.data[r * row + j]! += gy.data[i * row + j]!;
    }
    return [g, undefined];
  },
};

export const gatherElements: RefOp<{ axis: number }> = {
  forward: ([data, indices], { axis }) => {
    const a = norm(axis, data!.rank);
    const out = new Arr([...indices!.shape]);
    for (let f = 0; f < out.size; f++) {
      const idx = unravel(f, out.shape);
      idx[a] = indices!.data[f]!;
      out.data[f] = data!.data[ravel(idx, data!.shape)]!;
    }
    return out;
  },
  vjp: ([data, indices], _y, gy, { axis }) => {
    const a = norm(axis, data!.rank);
    const g = new Arr([...data!.shape]);
    for (let f = 0; f < gy.size; f++) {
      const idx = unravel(f, gy.shape);
      idx[a] = indices!.data[f]!;
      g.data[ravel(idx, data!.shape)]! += gy.data[f]!;
    }
    return [g, undefined];
  },
};

/** Where(cond, a, b); cond is an Arr of 0/1. */
export const where: RefOp = {
  forward: ([c, a, b]) => zipWith([c!, a!, b!], (k, x, y) => (k ? x : y)),
  vjp: ([c, a, b], _y, gy) => [
    undefined,
    sumTo(
      zipWith([c!, gy], (k, g) => (k ? g : 0)),
      a!.shape,
    ),
    sumTo(
      zipWith([c!, gy], (k, g) => (k ? 0 : g)),
      b!.shape,
    ),
  ],
};

/** Batched matmul with numpy broadcasting of the batch dims. */
function bmm(a: Arr, b: Arr): Arr {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = zipWith([Arr.fill(batchA, 0), Arr.fill(batchB, 0)], () => 0).shape;
  const out = new Arr([...batch, m, n]);
  const nb = batch.reduce((x, y) => x * y, 1);
  for (let bi = 0; bi < nb; bi++) {
    const idx = unravel(bi, batch);
    const oa = ravelBroadcast(idx, batchA) * m * k;
    const ob = ravelBroadcast(idx, batchB) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a.data[oa + i * k + t]! * b.data[ob + t * n + j]!;
        out.data[bi * m * n + i * n + j] = s;
      }
  }
  return out;
}
function ravelBroadcast(idx: number[], shape: number[]): number {
  const off = idx.length - shape.length;
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + (shape[i] === 1 ? 0 : idx[off + i]!);
  return f;
}
function swapLast(x: Arr): Arr {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return permute(x, perm);
}

export const matmul: RefOp = {
  forward: ([a, b]) => bmm(a!, b!),
  vjp: ([a, b], _y, gy) => [sumTo(bmm(gy, swapLast(b!)), a!.shape), sumTo(bmm(swapLast(a!), gy), b!.shape)],
};

interface GemmP {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
}
export const gemm: RefOp<GemmP> = {
  forward: ([a, b, c], p) => {
    const A = p.transA ? swapLast(a!) : a!;
    const B = p.transB ? swapLast(b!) : b!;
    const y = map(bmm(A, B), (v) => v * (p.alpha ?? 1));
    return c ? add.forward([y, c], {}) : y;
  },
  vjp: ([a, b, c], _y, gy, p) => {
    const A = p.transA ? swapLast(a!) : a!;
    const B = p.transB ? swapLast(b!) : b!;
    const s = p.alpha ?? 1;
    const dA = map(bmm(gy, swapLast(B)), (v) => v * s);
    const dB = map(bmm(swapLast(A), gy), (v) => v * s);
    return [p.transA ? swapLast(dA) : dA, p.transB ? swapLast(dB) : dB, c ? sumTo(gy, c.shape) : undefined];
  },
};

/** Squeeze/unsqueeze are reshapes for the reference. */
export const unsqueeze: RefOp<{ axes: number[] }> = {
  forward: ([x], { axes }) => {
    const rank = x!.rank + axes.length;
    const ax = axes.map((a) => norm(a, rank));
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x!.shape[j++]!);
    return new Arr(shape, x!.data);
  },
  vjp: ([x], _y, gy) => [new Arr([...x!.shape], gy.data)],
};
export const squeeze: RefOp<{ axes: number[] }> = {
  forward: ([x], { axes }) => {
    const ax = axes.map((a) => norm(a, x!.rank));
    return new Arr(
      x!.shape.filter((_, i) => !ax.includes(i)),
      x!.data,
    );
  },
  vjp: ([x], _y, gy) => [new Arr([...x!.shape], gy.data)],
};
