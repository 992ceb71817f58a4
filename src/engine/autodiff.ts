/**
 * Reverse-mode differentiation at graph-build time. `gradients(g, y, wrt)` appends the backward nodes to the same
 * graph: it walks the recorded nodes in reverse creation order, applies one VJP rule per op and accumulates the
 * incoming gradients with Add. Only nodes that lie on a path from a `wrt` value to `y` are differentiated, and only the
 * requested gradients are materialised, so unused branches are never emitted.
 */
import type { Dim, Graph, GraphNode, Value } from "./graph.js";

type Rule = (g: Graph, node: GraphNode, gy: Value, needs: boolean[]) => (Value | undefined)[];

/** Product of dims as a (possibly symbolic) dim. */
export function prodDims(dims: readonly Dim[]): Dim {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === "number") n *= d;
    else syms.push(d.includes("+") ? `(${d})` : d);
  }
  if (syms.length === 0) return n;
  if (syms.some((s) => s.startsWith("("))) throw new Error(`cannot multiply composite dims ${dims}`);
  return n === 1 ? syms.join("*") : [String(n), ...syms].join("*");
}

/** Sum a broadcast gradient back to the shape of the operand it flowed from. */
export function unbroadcast(g: Graph, grad: Value, target: readonly Dim[]): Value {
  const r = grad.rank;
  const t = target.length;
  const axes: number[] = [];
  for (let i = 0; i < r; i++) {
    if (i < r - t) axes.push(i);
    else if (target[i - (r - t)] === 1 && grad.shape[i] !== 1) axes.push(i);
  }
  let out = axes.length ? g.reduceSum(grad, axes, true) : grad;
  if (r !== t) out = g.reshape(out, [...target]);
  return out;
}

function swapLast(g: Graph, x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return g.transpose(x, perm);
}

/** Broadcast `gy` (the gradient of a reduction) back over the reduced axes. */
function expandReduced(g: Graph, node: GraphNode, gy: Value): Value {
  const x = node.inputs[0]!;
  const axes = node.meta.axes as number[];
  const kept = node.meta.keepdims ? gy : g.unsqueeze(gy, axes);
  return g.expand(kept, x.shape);
}

function reducedCount(g: Graph, node: GraphNode): Value {
  const x = node.inputs[0]!;
  const axes = node.meta.axes as number[];
  const n = prodDims(axes.map((a) => x.shape[a]!));
  return typeof n === "number" ? g.scalar(n) : g.cast(g.reshape(g.dimValue(n), []), "float32");
}

const rules: Record<string, Rule> = {
  Identity: (_g, _n, gy) => [gy],
  Cast: (_g, _n, gy) => [gy],
  Add: (g, n, gy, need) => [
    need[0] ? unbroadcast(g, gy, n.inputs[0]!.shape) : undefined,
    need[1] ? unbroadcast(g, gy, n.inputs[1]!.shape) : undefined,
  ],
  Sub: (g, n, gy, need) => [
    need[0] ? unbroadcast(g, gy, n.inputs[0]!.shape) : undefined,
    need[1] ? unbroadcast(g, g.neg(gy), n.inputs[1]!.shape) : undefined,
  ],
  Mul: (g, n, gy, need) => {
    const [a, b] = n.inputs as [Value, Value];
    return [
      need[0] ? unbroadcast(g, g.mul(gy, b), a.shape) : undefined,
      need[1] ? unbroadcast(g, g.mul(gy, a), b.shape) : undefined,
    ];
  },
  Div: (g, n, gy, need) => {
    const [a, b] = n.inputs as [Value, Value];
    const y = n.outputs[0]!;
    return [
      need[0] ? unbroadcast(g, g.div(gy, b), a.shape) : undefined,
      need[1] ? unbroadcast(g, g.neg(g.div(g.mul(gy, y), b)), b.shape) : undefined,
    ];
  },
  Pow: (g, n, gy, need) => {
    const [a, b] = n.inputs as [Value, Value];
    const y = n.outputs[0]!;
    return [
      need[0] ? unbroadcast(g, g.mul(gy, g.mul(b, g.pow(a, g.sub(b, g.scalar(1))))), a.shape) : undefined,
      need[1] ? unbroadcast(g, g.mul(gy, g.mul(y, g.log(a))), b.shape) : undefined,
    ];
  },
  Neg: (g, _n, gy) => [g.neg(gy)],
  Exp: (g, n, gy) => [g.mul(gy, n.outputs[0]!)],
  Log: (g, n, gy) => [g.div(gy, n.inputs[0]!)],
  Sqrt: (g, n, gy) => [g.div(g.mul(gy, g.scalar(0.5)), n.outputs[0]!)],
  Reciprocal: (g, n, gy) => {
    const y = n.outputs[0]!;
    return [g.neg(g.mul(gy, g.mul(y, y)))];
  },
  Sigmoid: (g, n, gy) => {
    const y = n.outputs[0]!;
    return [g.mul(gy, g.mul(y, g.sub(g.scalar(1), y)))];
  },
  Softplus: (g, n, gy) => [g.mul(gy, g.sigmoid(n.inputs[0]!))],
  Tanh: (g, n, gy) => {
    const y = n.outputs[0]!;
    return [g.mul(gy, g.sub(g.scalar(1), g.mul(y, y)))];
  },
  Softmax: (g, n, gy) => {
    const y = n.outputs[0]!;
    const axis = n.attrs.axis!.value as number;
    return [g.mul(y, g.sub(gy, g.reduceSum(g.mul(gy, y), [axis], true)))];
  },
  LogSoftmax: (g, n, gy) => {
    const y = n.outputs[0]!;
    const axis = n.attrs.axis!.value as number;
    return [g.sub(gy, g.mul(g.exp(y), g.reduceSum(gy, [axis], true)))];
  },
  ReduceSum: (g, n, gy) => [expandReduced(g, n, gy)],
  ReduceMean: (g, n, gy) => [g.div(expandReduced(g, n, gy), reducedCount(g, n))],
  ReduceLogSumExp: (g, n, gy) => {
    const x = n.inputs[0]!;
    const axes = n.meta.axes as number[];
    const yKeep = n.meta.keepdims ? n.outputs[0]! : g.unsqueeze(n.outputs[0]!, axes);
    return [g.mul(expandReduced(g, n, gy), g.exp(g.sub(x, yKeep)))];
  },
  Reshape: (g, n, gy) => [g.reshape(gy, [...n.inputs[0]!.shape])],
  Transpose: (g, n, gy) => {
    const perm = n.attrs.perm!.value as number[];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inv[p] = i;
    });
    return [g.transpose(gy, inv)];
  },
  Unsqueeze: (g, n, gy) => [g.squeeze(gy, n.meta.axes as number[])],
  Squeeze: (g, n, gy) => [g.unsqueeze(gy, n.meta.axes as number[])],
  Expand: (g, n, gy) => [unbroadcast(g, gy, n.inputs[0]!.shape)],
  Concat: (g, n, gy, need) => {
    const axis = n.attrs.axis!.value as number;
    const parts = g.split(
      gy,
      n.inputs.map((x) => x.shape[axis]!),
      axis,
    );
    return parts.map((p, i) => (need[i] ? p : undefined));
  },
  Slice: (g, n, gy) => {
    const x = n.inputs[0]!;
    const starts = n.meta.starts as number[];
    const ends = n.meta.ends as number[];
    const axes = n.meta.axes as number[];
    const before = x.shape.map(() => 0);
    const after = x.shape.map(() => 0);
    axes.forEach((a, i) => {
      const d = x.shape[a];
      const s = starts[i]!;
      const e = ends[i]!;
      if (typeof d !== "number") {
        if (s < 0 || e < 2 ** 31) throw new Error("Slice VJP: symbolic dims need start >= 0 and an open end");
        before[a] = s;
        return;
      }
      const ss = s < 0 ? Math.max(0, d + s) : Math.min(s, d);
      const ee = e < 0 ? Math.max(0, d + e) : Math.min(e, d);
      before[a] = ss;
      after[a] = d - ee;
    });
    return [g.pad(gy, before, after)];
  },
  Pad: (g, n, gy) => {
    const x = n.inputs[0]!;
    const before = n.meta.before as number[];
    const after = n.meta.after as number[];
    const axes = x.shape.map((_, i) => i);
    return [
      g.slice(
        gy,
        before,
        after.map((a) => (a > 0 ? -a : 2 ** 62)),
        axes,
      ),
    ];
  },
  Gather: (g, n, gy, need) => {
    const [data, indices] = n.inputs as [Value, Value];
    if ((n.attrs.axis?.value ?? 0) !== 0) throw new Error("Gather VJP supports axis 0 only");
    if (!need[0]) return [undefined, undefined];
    // A ScatterElements-add of every gradient element, not a ScatterND-add of whole rows: ORT's CPU ScatterND splits
    // its updates over the intra-op threads with nothing guarding repeated indices, so with reduction add and a
    // repeated id (every embedding batch) two threads race on one row and updates are lost, at random, when threads
    // > 1 (microsoft/onnxruntime#18048; an embedding gradient's norm off by 0.1-0.2 %, training not reproducible).
    // ScatterElements is one serial loop: exact, and summed in index order. The expanded int32 index is the size of
    // the gradient rows it scatters.
    const rest = data.shape.slice(1);
    const rows = prodDims(indices.shape);
    let idx = indices.dtype === "int32" ? indices : g.cast(indices, "int32");
    let upd = gy;
    if (indices.rank !== 1) {
      idx = g.reshape(idx, [rows]);
      upd = g.reshape(gy, [rows, ...rest]);
    }
    if (rest.length > 0) {
      idx = g.expand(
        g.unsqueeze(
          idx,
          rest.map((_, i) => i + 1),
        ),
        [1, ...rest],
      );
    }
    return [g.scatterElementsAdd(g.zeros([...data.shape]), idx, upd, 0), undefined];
  },
  GatherElements: (g, n, gy, need) => {
    const [data, indices] = n.inputs as [Value, Value];
    if (!need[0]) return [undefined, undefined];
    const axis = n.attrs.axis!.value as number;
    return [g.scatterElementsAdd(g.zeros([...data.shape]), indices, gy, axis), undefined];
  },
  Where: (g, n, gy, need) => {
    const [c, a, b] = n.inputs as [Value, Value, Value];
    const zero = g.scalar(0);
    return [
      undefined,
      need[1] ? unbroadcast(g, g.where(c, gy, zero), a.shape) : undefined,
      need[2] ? unbroadcast(g, g.where(c, zero, gy), b.shape) : undefined,
    ];
  },
  MatMul: (g, n, gy, need) => {
    const [a, b] = n.inputs as [Value, Value];
    let ga: Value | undefined;
    let gb: Value | undefined;
    if (need[0]) ga = unbroadcast(g, g.matmul(gy, swapLast(g, b)), a.shape);
    if (need[1]) {
      if (b.rank === 2) {
        // Weight-style operand: fold every batch dim into one GEMM instead of a batched product + reduction.
        const k = a.shape[a.rank - 1]!;
        const a2 = g.reshape(a, [prodDims(a.shape.slice(0, -1)), k]);
        const g2 = g.reshape(gy, [prodDims(gy.shape.slice(0, -1)), gy.shape[gy.rank - 1]!]);
        gb = g.gemm(a2, g2, undefined, { transA: true });
      } else gb = unbroadcast(g, g.matmul(swapLast(g, a), gy), b.shape);
    }
    return [ga, gb];
  },
  Gemm: (g, n, gy, need) => {
    const [a, b, c] = n.inputs as [Value, Value, Value | undefined];
    const tA = n.attrs.transA?.value === 1;
    const tB = n.attrs.transB?.value === 1;
    const alpha = (n.attrs.alpha?.value as number | undefined) ?? 1;
    let ga: Value | undefined;
    let gb: Value | undefined;
    if (need[0])
      ga = tA
        ? g.gemm(b, gy, undefined, { transA: tB, transB: true, alpha })
        : g.gemm(gy, b, undefined, { transB: !tB, alpha });
    if (need[1])
      gb = tB
        ? g.gemm(gy, a, undefined, { transA: true, transB: tA, alpha })
        : g.gemm(a, gy, undefined, { transA: !tA, alpha });
    const gc = c && need[2] ? unbroadcast(g, gy, c.shape) : undefined;
    return [ga, gb, gc];
  },
};

/**
 * A ScatterND/ScatterElements-add into zeros (the Gather and GatherElements VJPs emit ScatterElements), as
 * [indices, updates, axis].
 */
function sparseGrad(v: Value): { op: string; indices: Value; updates: Value; axis?: number } | undefined {
  const n = v.producer;
  if (!n || (n.op !== "ScatterND" && n.op !== "ScatterElements") || n.inputs[0]!.producer?.op !== "ConstantOfShape") {
    return undefined;
  }
  return { op: n.op, indices: n.inputs[1]!, updates: n.inputs[2]!, axis: n.attrs.axis?.value as number | undefined };
}

/**
 * Sum two gradients. A sparse (scatter-into-zeros) gradient is scattered straight into the other one, so e.g. a tied
 * embedding's gradient never materialises a zero [V, D] buffer plus an extra [V, D] Add.
 */
function addGradients(g: Graph, a: Value, b: Value): Value {
  for (const [dense, sparse] of [
    [a, b],
    [b, a],
  ] as const) {
    const s = sparseGrad(sparse);
    if (s && dense.rank === sparse.rank && dense.shape.every((d, i) => d === sparse.shape[i])) {
      return s.op === "ScatterND"
        ? g.scatterNDAdd(dense, s.indices, s.updates)
        : g.scatterElementsAdd(dense, s.indices, s.updates, s.axis ?? 0);
    }
  }
  return g.add(a, b);
}

/**
 * Gradients of `y` with respect to each of `wrt`. `y` is usually a scalar; otherwise `seed` (same shape as y) is the
 * incoming cotangent (default: ones). Values that `y` does not depend on get zeros.
 */
export function gradients(g: Graph, y: Value, wrt: Value[], seed?: Value): Value[] {
  const requires = new Set<Value>(wrt);
  const last = y.producer?.index ?? -1;
  for (let i = 0; i <= last; i++) {
    const node = g.nodes[i]!;
    for (const o of node.outputs) {
      if (o.dtype !== "float32" || requires.has(o)) continue;
      const srcs = o.custom ? o.custom.inputs : rules[node.op] ? node.inputs : [];
      if (srcs.some((v) => requires.has(v))) requires.add(o);
    }
  }
  // What y depends on through differentiable paths: primitive nodes, and values with a custom VJP (whose internal
  // nodes are then skipped unless reached by another path).
  const onPath = new Set<GraphNode>();
  const customOnPath = new Set<Value>();
  const stack: Value[] = [y];
  const seen = new Set<Value>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v) || !requires.has(v) || !v.producer) continue;
    seen.add(v);
    if (v.custom) {
      customOnPath.add(v);
      stack.push(...v.custom.inputs);
    } else {
      onPath.add(v.producer);
      stack.push(...v.producer.inputs);
    }
  }
  const grads = new Map<Value, Value>();
  const accumulate = (v: Value, d: Value) => {
    const prev = grads.get(v);
    grads.set(v, prev ? addGradients(g, prev, d) : d);
  };
  const route = (inputs: Value[], gin: (Value | undefined)[], needs: boolean[]) => {
    inputs.forEach((v, k) => {
      const d = gin[k];
      if (d && needs[k]) accumulate(v, d);
    });
  };
  accumulate(y, seed ?? (y.rank === 0 ? g.scalar(1) : g.expand(g.scalar(1), [...y.shape])));
  for (let i = last; i >= 0; i--) {
    const node = g.nodes[i]!;
    for (const o of node.outputs) {
      if (!customOnPath.has(o)) continue;
      const gy = grads.get(o);
      if (!gy) continue;
      const needs = o.custom!.inputs.map((v) => requires.has(v));
      route(o.custom!.inputs, o.custom!.vjp(g, gy, needs), needs);
    }
    if (!onPath.has(node)) continue;
    if (node.outputs.length !== 1) throw new Error(`no VJP for multi-output op ${node.op}`);
    const gy = grads.get(node.outputs[0]!);
    if (!gy) continue;
    const rule = rules[node.op];
    if (!rule) throw new Error(`no VJP rule for ${node.op}`);
    const needs = node.inputs.map((v) => requires.has(v));
    route(node.inputs, rule(g, node, gy, needs), needs);
  }
  return wrt.map((w) => grads.get(w) ?? g.zeros([...w.shape]));
}
