/**
 * A small typed builder over ONNX operators (opset 18). Every value carries its element type and a static shape
 * whose entries are numbers or symbolic dims (strings such as "B", "S", "B*S" or "C+S"); symbolic dims are resolved at
 * run time from the graph inputs that declare them, so batch and sequence lengths stay free. Weights are graph
 * inputs (never initializers), so one session serves every step and the 2 GB protobuf limit never applies.
 *
 * The builder records nodes in creation order, which is a valid topological order; `autodiff.ts` walks it backwards.
 */
import { type AttributeValue, DataType, type DataTypeCode, encodeModel, type NodeData } from "./onnx-proto.js";

export type Dim = number | string;
export type DType = "float32" | "int64" | "int32" | "bool";

const DTYPE_CODE: Record<DType, DataTypeCode> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};

export const OPSET = 18;

/**
 * A hand-written VJP attached to a value computed by a composite block of primitive nodes (RMSNorm, SwiGLU, ...):
 * autodiff routes the gradient of the value straight to `inputs` with `vjp` and never differentiates the block's
 * internal nodes, which yields fewer, fused backward nodes than op-by-op differentiation.
 */
export interface CustomGradient {
  inputs: Value[];
  vjp: (g: Graph, gy: Value, needs: boolean[]) => (Value | undefined)[];
}

export class Value {
  /** set by `Graph.withGradient` */
  custom?: CustomGradient;
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Dim[],
    /** The node that produces this value (undefined for graph inputs). */
    readonly producer?: GraphNode,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
}

export interface GraphNode {
  index: number;
  op: string;
  inputs: Value[];
  outputs: Value[];
  attrs: Record<string, AttributeValue>;
  /** Static parameters the VJP rules need (reduce/unsqueeze axes, slice bounds, pads). */
  meta: Record<string, unknown>;
}

export type AttrInput = number | number[] | string | { floats: number[] } | { float: number } | AttributeValue;

function toAttr(v: AttrInput): AttributeValue {
  if (typeof v === "number") return { kind: "int", value: v };
  if (typeof v === "string") return { kind: "string", value: v };
  if (Array.isArray(v)) return { kind: "ints", value: v };
  if ("floats" in v) return { kind: "floats", value: v.floats };
  if ("float" in v) return { kind: "float", value: v.float };
  return v;
}

/** Numpy broadcasting of two static shapes. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1 || da === db) out.push(da);
    else if (typeof da === "number" && typeof db === "number") {
      throw new Error(`cannot broadcast [${a}] with [${b}]`);
    } else out.push(typeof da === "number" ? da : db);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export class Graph {
  readonly nodes: GraphNode[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: { name: string; value: Value }[] = [];
  private counter = 0;
  private dimSources = new Map<string, { value: Value; axis: number }>();
  private dimCache = new Map<string, Value>();
  private constCache = new Map<string, Value>();

  constructor(readonly name = "iopo") {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Declare a graph input. Its symbolic dims become resolvable at run time. */
  input(name: string, dtype: DType, shape: Dim[]): Value {
    if (this.inputs.some((v) => v.name === name)) throw new Error(`duplicate graph input ${name}`);
    const v = new Value(this, name, dtype, shape);
    this.inputs.push(v);
    shape.forEach((d, axis) => {
      if (typeof d === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) && !this.dimSources.has(d)) {
        this.dimSources.set(d, { value: v, axis });
      }
    });
    return v;
  }

  /** Make a symbolic dim resolvable at run time from axis `axis` of any value (e.g. a Reshape with -1). */
  defineDim(name: string, value: Value, axis: number): void {
    if (!this.dimSources.has(name)) this.dimSources.set(name, { value, axis });
  }

  /** Reshape whose target may contain one -1; `dims` names the resulting (symbolic) shape. */
  reshapeInfer(x: Value, target: number[], dims: Dim[]): Value {
    const y = this.one("Reshape", [x, this.ints(target)], {}, x.dtype, [...dims]);
    dims.forEach((d, i) => {
      if (typeof d === "string") this.defineDim(d, y, i);
    });
    return y;
  }

  /** Attach a hand-written VJP to `value` (computed from `inputs` by primitive nodes). Returns `value`. */
  withGradient(value: Value, inputs: Value[], vjp: CustomGradient["vjp"]): Value {
    if (!value.producer) throw new Error("withGradient: value must be computed by a node");
    value.custom = { inputs, vjp };
    return value;
  }

  output(name: string, value: Value): void {
    this.outputs.push({ name, value });
  }

  /** Append a node with explicitly given output types. */
  node(
    op: string,
    inputs: Value[],
    attrs: Record<string, AttrInput>,
    outs: { dtype: DType; shape: Dim[] }[],
    meta: Record<string, unknown> = {},
  ): Value[] {
    const node: GraphNode = {
      index: this.nodes.length,
      op,
      inputs,
      outputs: [],
      attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, toAttr(v)])),
      meta,
    };
    node.outputs = outs.map((o) => new Value(this, this.fresh(op), o.dtype, o.shape, node));
    this.nodes.push(node);
    return node.outputs;
  }

  private one(
    op: string,
    inputs: Value[],
    attrs: Record<string, AttrInput>,
    dtype: DType,
    shape: Dim[],
    meta: Record<string, unknown> = {},
  ): Value {
    return this.node(op, inputs, attrs, [{ dtype, shape }], meta)[0]!;
  }

  // ---------------------------------------------------------------- constants and shapes

  constant(data: ArrayLike<number>, shape: number[], dtype: DType = "float32"): Value {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`constant: ${data.length} values for shape [${shape}]`);
    let raw: Uint8Array;
    if (dtype === "float32") raw = new Uint8Array(Float32Array.from(data).buffer);
    else if (dtype === "int64") raw = new Uint8Array(BigInt64Array.from(Array.from(data, (x) => BigInt(x))).buffer);
    else if (dtype === "int32") raw = new Uint8Array(Int32Array.from(data).buffer);
    else raw = Uint8Array.from(data, (x) => (x ? 1 : 0));
    const key = n <= 64 ? `${dtype}|${shape}|${Array.from(data)}` : undefined;
    if (key && this.constCache.has(key)) return this.constCache.get(key)!;
    const v = this.one(
      "Constant",
      [],
      { value: { kind: "tensor", value: { dataType: DTYPE_CODE[dtype], dims: shape, raw } } },
      dtype,
      shape,
    );
    if (key) this.constCache.set(key, v);
    return v;
  }

  scalar(x: number, dtype: DType = "float32"): Value {
    return this.constant([x], [], dtype);
  }

  ints(values: number[]): Value {
    return this.constant(values, [values.length], "int64");
  }

  /** A run-time int64 [1] tensor holding the value of a (possibly symbolic) dim. */
  dimValue(d: Dim): Value {
    if (typeof d === "number") return this.ints([d]);
    const cached = this.dimCache.get(d);
    if (cached) return cached;
    let v: Value;
    if (d.includes("+")) {
      const terms = d.split("+");
      v = terms
        .slice(1)
        .reduce((acc, t) => this.add(acc, this.dimValue(parseDim(t))), this.dimValue(parseDim(terms[0]!)));
    } else if (d.includes("*")) {
      const fs = d.split("*");
      v = fs.slice(1).reduce((acc, f) => this.mul(acc, this.dimValue(parseDim(f))), this.dimValue(parseDim(fs[0]!)));
    } else {
      const src = this.dimSources.get(d);
      if (!src) throw new Error(`symbolic dim ${d} is not declared by any graph input`);
      v = this.one("Shape", [src.value], { start: src.axis, end: src.axis + 1 }, "int64", [1]);
    }
    this.dimCache.set(d, v);
    return v;
  }

  /** A run-time int64 shape tensor for static/symbolic dims. */
  shapeTensor(dims: readonly Dim[]): Value {
    if (dims.every((d) => typeof d === "number")) return this.ints(dims as number[]);
    return this.concat(
      dims.map((d) => this.dimValue(d)),
      0,
    );
  }

  zeros(dims: Dim[], dtype: DType = "float32"): Value {
    const t = {
      dataType: DTYPE_CODE[dtype],
      dims: [1],
      raw:
        dtype === "float32"
          ? new Uint8Array(4)
          : dtype === "int64"
            ? new Uint8Array(8)
            : dtype === "int32"
              ? new Uint8Array(4)
              : new Uint8Array(1),
    };
    return this.one("ConstantOfShape", [this.shapeTensor(dims)], { value: { kind: "tensor", value: t } }, dtype, [
      ...dims,
    ]);
  }

  // ---------------------------------------------------------------- elementwise

  private binary(op: string, a: Value, b: Value): Value {
    return this.one(op, [a, b], {}, a.dtype, broadcastShapes(a.shape, b.shape));
  }
  add(a: Value, b: Value): Value {
    return this.binary("Add", a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.binary("Sub", a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.binary("Mul", a, b);
  }
  div(a: Value, b: Value): Value {
    return this.binary("Div", a, b);
  }
  pow(a: Value, b: Value): Value {
    return this.binary("Pow", a, b);
  }
  private unary(op: string, x: Value, attrs: Record<string, AttrInput> = {}): Value {
    return this.one(op, [x], attrs, x.dtype, [...x.shape]);
  }
  neg(x: Value): Value {
    return this.unary("Neg", x);
  }
  exp(x: Value): Value {
    return this.unary("Exp", x);
  }
  log(x: Value): Value {
    return this.unary("Log", x);
  }
  sqrt(x: Value): Value {
    return this.unary("Sqrt", x);
  }
  reciprocal(x: Value): Value {
    return this.unary("Reciprocal", x);
  }
  sigmoid(x: Value): Value {
    return this.unary("Sigmoid", x);
  }
  softplus(x: Value): Value {
    return this.unary("Softplus", x);
  }
  tanh(x: Value): Value {
    return this.unary("Tanh", x);
  }
  identity(x: Value): Value {
    return this.unary("Identity", x);
  }
  softmax(x: Value, axis = -1): Value {
    return this.unary("Softmax", x, { axis });
  }
  logSoftmax(x: Value, axis = -1): Value {
    return this.unary("LogSoftmax", x, { axis });
  }
  cast(x: Value, to: DType): Value {
    return this.one("Cast", [x], { to: DTYPE_CODE[to] }, to, [...x.shape]);
  }
  where(cond: Value, a: Value, b: Value): Value {
    return this.one("Where", [cond, a, b], {}, a.dtype, broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape)));
  }
  less(a: Value, b: Value): Value {
    return this.one("Less", [a, b], {}, "bool", broadcastShapes(a.shape, b.shape));
  }

  // ---------------------------------------------------------------- linear algebra

  /** Numpy matmul semantics (batched, broadcast batch dims; rank >= 2 on both sides). */
  matmul(a: Value, b: Value): Value {
    if (a.rank < 2 || b.rank < 2) throw new Error("matmul: operands need rank >= 2");
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return this.one("MatMul", [a, b], {}, a.dtype, [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!]);
  }

  /** Gemm: alpha * op(A) @ op(B) + beta * C for 2-D A, B. */
  gemm(a: Value, b: Value, c?: Value, opts: { transA?: boolean; transB?: boolean; alpha?: number } = {}): Value {
    const m = opts.transA ? a.shape[1]! : a.shape[0]!;
    const n = opts.transB ? b.shape[0]! : b.shape[1]!;
    const attrs: Record<string, AttrInput> = {};
    if (opts.transA) attrs.transA = 1;
    if (opts.transB) attrs.transB = 1;
    if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = { float: opts.alpha };
    return this.one("Gemm", c ? [a, b, c] : [a, b], attrs, a.dtype, [m, n]);
  }

  // ---------------------------------------------------------------- reductions

  private reduce(op: string, x: Value, axes: number[], keepdims: boolean): Value {
    const ax = axes.map((a) => normAxis(a, x.rank));
    const shape = keepdims
      ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !ax.includes(i));
    return this.one(op, [x, this.ints(ax)], { keepdims: keepdims ? 1 : 0 }, x.dtype, shape, { axes: ax, keepdims });
  }
  reduceSum(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce("ReduceSum", x, axes, keepdims);
  }
  reduceMean(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce("ReduceMean", x, axes, keepdims);
  }
  reduceLogSumExp(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce("ReduceLogSumExp", x, axes, keepdims);
  }
  reduceMax(x: Value, axes: number[], keepdims = true): Value {
    return this.reduce("ReduceMax", x, axes, keepdims);
  }

  // ---------------------------------------------------------------- shape manipulation

  reshape(x: Value, dims: Dim[]): Value {
    return this.one("Reshape", [x, this.shapeTensor(dims)], {}, x.dtype, [...dims]);
  }
  transpose(x: Value, perm: number[]): Value {
    return this.one(
      "Transpose",
      [x],
      { perm },
      x.dtype,
      perm.map((p) => x.shape[p]!),
    );
  }
  unsqueeze(x: Value, axes: number[]): Value {
    const rank = x.rank + axes.length;
    const ax = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]!);
    return this.one("Unsqueeze", [x, this.ints(ax)], {}, x.dtype, shape, { axes: ax });
  }
  squeeze(x: Value, axes: number[]): Value {
    const ax = axes.map((a) => normAxis(a, x.rank));
    return this.one(
      "Squeeze",
      [x, this.ints(ax)],
      {},
      x.dtype,
      x.shape.filter((_, i) => !ax.includes(i)),
      { axes: ax },
    );
  }
  concat(xs: Value[], axis: number): Value {
    const a = normAxis(axis, xs[0]!.rank);
    const shape = [...xs[0]!.shape];
    const parts = xs.map((x) => x.shape[a]!);
    shape[a] = parts.every((p) => typeof p === "number")
      ? (parts as number[]).reduce((s, p) => s + p, 0)
      : parts.map(String).join("+");
    return this.one("Concat", xs, { axis: a }, xs[0]!.dtype, shape);
  }
  /** Split along an axis into parts of the given (static or symbolic) sizes. */
  split(x: Value, sizes: Dim[], axis: number): Value[] {
    const a = normAxis(axis, x.rank);
    return this.node(
      "Split",
      [x, this.shapeTensor(sizes)],
      { axis: a },
      sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((xd, i) => (i === a ? d : xd)) })),
    );
  }
  /** Static slice with step 1: `starts`/`ends` per listed axis (ends may exceed the dim, meaning "to the end"). */
  slice(x: Value, starts: number[], ends: number[], axes: number[]): Value {
    const ax = axes.map((a) => normAxis(a, x.rank));
    const shape = [...x.shape];
    ax.forEach((a, i) => {
      const d = shape[a]!;
      const s = starts[i]!;
      const e = ends[i]!;
      if (typeof d === "number") {
        const ss = s < 0 ? Math.max(0, d + s) : Math.min(s, d);
        const ee = e < 0 ? Math.max(0, d + e) : Math.min(e, d);
        shape[a] = Math.max(0, ee - ss);
      } else if (s >= 0 && e >= 0 && e < 2 ** 31) shape[a] = e - s;
      else shape[a] = `${d}_slice${this.counter}`;
    });
    return this.one("Slice", [x, this.ints(starts), this.ints(ends), this.ints(ax)], {}, x.dtype, shape, {
      starts,
      ends,
      axes: ax,
    });
  }
  /** Full-rank constant-mode Pad, no `axes` input (ORT's optimiser mis-permutes it: docs/engine.md, gotcha 1). */
  pad(x: Value, before: number[], after: number[]): Value {
    const shape = x.shape.map((d, i) =>
      typeof d === "number"
        ? d + before[i]! + after[i]!
        : before[i]! + after[i]! === 0
          ? d
          : `${d}+${before[i]! + after[i]!}`,
    );
    return this.one("Pad", [x, this.ints([...before, ...after])], { mode: "constant" }, x.dtype, shape, {
      before,
      after,
    });
  }
  expand(x: Value, dims: Dim[]): Value {
    return this.one("Expand", [x, this.shapeTensor(dims)], {}, x.dtype, broadcastShapes(x.shape, dims));
  }
  gather(data: Value, indices: Value, axis = 0): Value {
    const a = normAxis(axis, data.rank);
    return this.one("Gather", [data, indices], { axis: a }, data.dtype, [
      ...data.shape.slice(0, a),
      ...indices.shape,
      ...data.shape.slice(a + 1),
    ]);
  }
  gatherElements(data: Value, indices: Value, axis: number): Value {
    return this.one("GatherElements", [data, indices], { axis: normAxis(axis, data.rank) }, data.dtype, [
      ...indices.shape,
    ]);
  }
  /**
   * ScatterND with reduction add. ORT's CPU kernel races on repeated indices at more than one intra-op thread (updates
   * are lost at random: docs/engine.md, gotcha 10); use `scatterElementsAdd` when indices may repeat.
   */
  scatterNDAdd(data: Value, indices: Value, updates: Value): Value {
    return this.one("ScatterND", [data, indices, updates], { reduction: "add" }, data.dtype, [...data.shape]);
  }
  scatterElementsAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
    return this.one(
      "ScatterElements",
      [data, indices, updates],
      { axis: normAxis(axis, data.rank), reduction: "add" },
      data.dtype,
      [...data.shape],
    );
  }

  // ---------------------------------------------------------------- serialisation

  /** Encode the graph (only the nodes the outputs depend on) as ONNX protobuf bytes. */
  toOnnx(): Uint8Array {
    const needed = new Set<GraphNode>();
    const stack = this.outputs.map((o) => o.value);
    const seen = new Set<Value>();
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      if (v.producer && !needed.has(v.producer)) {
        needed.add(v.producer);
        stack.push(...v.producer.inputs);
      }
    }
    const nodes: NodeData[] = this.nodes
      .filter((n) => needed.has(n))
      .map((n) => ({
        opType: n.op,
        inputs: n.inputs.map((v) => v.name),
        outputs: n.outputs.map((v) => v.name),
        name: `n${n.index}`,
        attributes: n.attrs,
      }));
    // Graph outputs get their public names through Identity nodes, so one value can feed several outputs.
    for (const o of this.outputs) {
      nodes.push({
        opType: "Identity",
        inputs: [o.value.name],
        outputs: [o.name],
        name: `out_${o.name}`,
        attributes: {},
      });
    }
    return encodeModel({
      graphName: this.name,
      nodes,
      inputs: this.inputs.map((v) => ({ name: v.name, dataType: DTYPE_CODE[v.dtype], shape: v.shape })),
      outputs: this.outputs.map((o) => ({
        name: o.name,
        dataType: DTYPE_CODE[o.value.dtype],
        shape: o.value.shape.map((d) => (typeof d === "number" ? d : sanitizeDim(d))),
      })),
      initializers: [],
      opsetVersion: OPSET,
    });
  }

  /** Number of nodes the outputs depend on (for diagnostics). */
  get size(): number {
    return this.nodes.length;
  }
}

function parseDim(s: string): Dim {
  return /^\d+$/.test(s) ? Number(s) : s;
}

function sanitizeDim(d: string): string {
  return d.replace(/[^A-Za-z0-9_]/g, "_");
}
