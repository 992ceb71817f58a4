import { afterAll, describe, expect, it } from "vitest";
import { gradients } from "../../src/engine/autodiff.js";
import { type Dim, Graph, type Value } from "../../src/engine/graph.js";
import { Arr } from "../../src/engine/reference/ndarray.js";
import * as R from "../../src/engine/reference/ops.js";
import { CompiledGraph, type FeedValue, type OptimizationLevel, releaseSessions } from "../../src/engine/session.js";
import { relErr, rng } from "./harness.js";

/**
 * Per-op checks: for each op, at two (B,S) sizes in one session and at ORT optimisation levels "all" and "disabled":
 * ONNX forward == float64 reference forward; ONNX gradient == reference VJP; reference VJP == central finite
 * differences of the reference forward. The scalar differentiated is L = sum(y * w) with a random cotangent w.
 */

type Kind = "float" | "positive" | "int" | "mask";
interface InputSpec {
  shape: Dim[];
  kind?: Kind;
  /** exclusive upper bound for int inputs */
  max?: number;
}
interface Case {
  name: string;
  inputs: InputSpec[];
  build: (g: Graph, x: Value[]) => Value;
  ref: R.RefOp<never> | R.RefOp<Record<string, never>>;
  /** reference parameters; a function receives the concrete (B,S) size */
  params?: unknown | ((size: { B: number; S: number }) => unknown);
  /** map inputs before handing them to the reference (e.g. mask -> condition) */
  refInputs?: (x: Arr[]) => Arr[];
}

const SIZES = [
  { B: 2, S: 3 },
  { B: 3, S: 5 },
];

const u = (shape: Dim[], kind: Kind = "float", max?: number): InputSpec => ({ shape, kind, max });

const cases: Case[] = [
  { name: "Add (broadcast)", inputs: [u(["B", "S", 4]), u([4])], build: (g, [a, b]) => g.add(a!, b!), ref: R.add },
  {
    name: "Sub (two-sided broadcast)",
    inputs: [u(["B", 1, 4]), u(["B", "S", 1])],
    build: (g, [a, b]) => g.sub(a!, b!),
    ref: R.sub,
  },
  { name: "Mul", inputs: [u(["B", "S", 4]), u([1, "S", 1])], build: (g, [a, b]) => g.mul(a!, b!), ref: R.mul },
  {
    name: "Div",
    inputs: [u(["B", "S", 3]), u(["S", 1], "positive")],
    build: (g, [a, b]) => g.div(a!, b!),
    ref: R.div,
  },
  {
    name: "Pow",
    inputs: [u(["B", 3], "positive"), u([3], "positive")],
    build: (g, [a, b]) => g.pow(a!, b!),
    ref: R.pow,
  },
  { name: "Neg", inputs: [u(["B", "S", 3])], build: (g, [a]) => g.neg(a!), ref: R.neg },
  { name: "Exp", inputs: [u(["B", "S", 3])], build: (g, [a]) => g.exp(a!), ref: R.exp },
  { name: "Log", inputs: [u(["B", "S", 3], "positive")], build: (g, [a]) => g.log(a!), ref: R.log },
  { name: "Sqrt", inputs: [u(["B", "S", 3], "positive")], build: (g, [a]) => g.sqrt(a!), ref: R.sqrt },
  {
    name: "Reciprocal",
    inputs: [u(["B", "S", 3], "positive")],
    build: (g, [a]) => g.reciprocal(a!),
    ref: R.reciprocal,
  },
  { name: "Sigmoid", inputs: [u(["B", "S", 3])], build: (g, [a]) => g.sigmoid(a!), ref: R.sigmoidOp },
  { name: "Softplus", inputs: [u(["B", "S", 3])], build: (g, [a]) => g.softplus(a!), ref: R.softplus },
  { name: "Tanh", inputs: [u(["B", "S", 3])], build: (g, [a]) => g.tanh(a!), ref: R.tanh },
  {
    name: "Softmax (last axis)",
    inputs: [u(["B", "S", 5])],
    build: (g, [a]) => g.softmax(a!, -1),
    ref: R.softmax,
    params: { axis: -1 },
  },
  {
    name: "Softmax (axis 1)",
    inputs: [u(["B", "S", 2])],
    build: (g, [a]) => g.softmax(a!, 1),
    ref: R.softmax,
    params: { axis: 1 },
  },
  {
    name: "LogSoftmax",
    inputs: [u(["B", "S", 5])],
    build: (g, [a]) => g.logSoftmax(a!, -1),
    ref: R.logSoftmax,
    params: { axis: -1 },
  },
  {
    name: "ReduceSum (drop axis)",
    inputs: [u(["B", "S", 3])],
    build: (g, [a]) => g.reduceSum(a!, [1], false),
    ref: R.reduceSum,
    params: { axes: [1], keepdims: false },
  },
  {
    name: "ReduceSum (keep, two axes)",
    inputs: [u(["B", "S", 3])],
    build: (g, [a]) => g.reduceSum(a!, [0, 2], true),
    ref: R.reduceSum,
    params: { axes: [0, 2], keepdims: true },
  },
  {
    name: "ReduceMean (symbolic count)",
    inputs: [u(["B", "S", 3])],
    build: (g, [a]) => g.reduceMean(a!, [1], true),
    ref: R.reduceMean,
    params: { axes: [1], keepdims: true },
  },
  {
    name: "ReduceLogSumExp",
    inputs: [u(["B", "S", 4])],
    build: (g, [a]) => g.reduceLogSumExp(a!, [-1], false),
    ref: R.reduceLogSumExp,
    params: { axes: [-1], keepdims: false },
  },
  {
    name: "Reshape (merge symbolic dims)",
    inputs: [u(["B", "S", 6])],
    build: (g, [a]) => g.reshape(a!, ["B*S", 2, 3]),
    ref: R.reshape,
    params: (z: { B: number; S: number }) => ({ shape: [z.B * z.S, 2, 3] }),
  },
  {
    name: "Transpose",
    inputs: [u(["B", "S", 3, 2])],
    build: (g, [a]) => g.transpose(a!, [0, 2, 1, 3]),
    ref: R.transpose,
    params: { perm: [0, 2, 1, 3] },
  },
  {
    name: "Unsqueeze",
    inputs: [u(["B", "S"])],
    build: (g, [a]) => g.unsqueeze(a!, [1, -1]),
    ref: R.unsqueeze,
    params: { axes: [1, -1] },
  },
  {
    name: "Squeeze",
    inputs: [u(["B", 1, "S", 1])],
    build: (g, [a]) => g.squeeze(a!, [1, 3]),
    ref: R.squeeze,
    params: { axes: [1, 3] },
  },
  {
    name: "Concat (static axis)",
    inputs: [u(["B", "S", 2]), u(["B", "S", 3])],
    build: (g, [a, b]) => g.concat([a!, b!], 2),
    ref: R.concat,
    params: { axis: 2 },
  },
  {
    name: "Concat (symbolic axis)",
    inputs: [u(["B", "S", 2]), u(["B", 2, 2])],
    build: (g, [a, b]) => g.concat([a!, b!], 1),
    ref: R.concat,
    params: { axis: 1 },
  },
  {
    name: "Slice (static axis)",
    inputs: [u(["B", "S", 6])],
    build: (g, [a]) => g.slice(a!, [1], [4], [2]),
    ref: R.slice,
    params: { starts: [1], ends: [4], axes: [2] },
  },
  {
    name: "Slice (symbolic axis, open end)",
    inputs: [u(["B", "S", 2])],
    build: (g, [a]) => g.slice(a!, [1], [2 ** 40], [1]),
    ref: R.slice,
    params: { starts: [1], ends: [2 ** 40], axes: [1] },
  },
  {
    name: "Expand",
    inputs: [u([1, "S", 1])],
    build: (g, [a]) => g.expand(a!, [2, "S", 3]),
    ref: R.expand,
    params: (z: { B: number; S: number }) => ({ shape: [2, z.S, 3] }),
  },
  {
    name: "Gather (embedding, duplicate ids)",
    inputs: [u([5, 4]), u(["B", "S"], "int", 5)],
    build: (g, [a, i]) => g.gather(a!, i!, 0),
    ref: R.gather,
  },
  {
    name: "GatherElements (token pick)",
    inputs: [u(["B", "S", 6]), u(["B", "S", 1], "int", 6)],
    build: (g, [a, i]) => g.gatherElements(a!, i!, 2),
    ref: R.gatherElements,
    params: { axis: 2 },
  },
  {
    name: "Where",
    inputs: [u(["B", "S", 1], "mask"), u(["B", "S", 3]), u([3])],
    build: (g, [c, a, b]) => g.where(g.less(c!, g.scalar(0.5)), a!, b!),
    ref: R.where,
    refInputs: ([c, a, b]) => [
      new Arr(
        c!.shape,
        c!.data.map((v) => (v < 0.5 ? 1 : 0)),
      ),
      a!,
      b!,
    ],
  },
  {
    name: "MatMul (3-D x 2-D)",
    inputs: [u(["B", "S", 4]), u([4, 3])],
    build: (g, [a, b]) => g.matmul(a!, b!),
    ref: R.matmul,
  },
  {
    name: "MatMul (5-D batched, GQA broadcast)",
    inputs: [u(["B", 2, 3, "S", 4]), u(["B", 2, 1, 4, "S"])],
    build: (g, [a, b]) => g.matmul(a!, b!),
    ref: R.matmul,
  },
  {
    name: "Gemm (transB, bias)",
    inputs: [u(["S", 4]), u([3, 4]), u([3])],
    build: (g, [a, b, c]) => g.gemm(a!, b!, c!, { transB: true, alpha: 0.5 }),
    ref: R.gemm,
    params: { transB: true, alpha: 0.5 },
  },
  {
    name: "Gemm (transA)",
    inputs: [u([4, "S"]), u([4, 3])],
    build: (g, [a, b]) => g.gemm(a!, b!, undefined, { transA: true }),
    ref: R.gemm,
    params: { transA: true },
  },
];

function concrete(shape: Dim[], size: { B: number; S: number }): number[] {
  return shape.map((d) => (typeof d === "number" ? d : d === "B" ? size.B : size.S));
}

function randomInput(spec: InputSpec, shape: number[], r: () => number): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => {
    switch (spec.kind) {
      case "positive":
        return Math.fround(0.5 + r() * 1.5);
      case "int":
        return Math.floor(r() * (spec.max ?? 2));
      case "mask":
        return r() < 0.5 ? 0 : 1;
      default:
        return Math.fround(r() * 2 - 1);
    }
  });
  return new Arr(shape, data);
}

function feed(spec: InputSpec, a: Arr): FeedValue {
  if (spec.kind === "int") return { dtype: "int64", data: BigInt64Array.from(a.data, (v) => BigInt(v)), dims: a.shape };
  return { dtype: "float32", data: Float32Array.from(a.data), dims: a.shape };
}

function refParams(c: Case, size: { B: number; S: number }): unknown {
  return typeof c.params === "function" ? c.params(size) : (c.params ?? {});
}

function lossOf(y: Arr, w: Arr): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i]! * w.data[i]!;
  return s;
}

async function checkCase(c: Case, optimization: OptimizationLevel): Promise<void> {
  const g = new Graph(c.name);
  const xs = c.inputs.map((s, i) => g.input(`x${i}`, s.kind === "int" ? "int64" : "float32", s.shape));
  const y = c.build(g, xs);
  const w = g.input("w", "float32", y.shape);
  const loss = g.reduceSum(
    g.mul(y, w),
    y.shape.map((_, i) => i),
    false,
  );
  const diff = xs.filter((_, i) => c.inputs[i]!.kind !== "int" && c.inputs[i]!.kind !== "mask");
  const grads = gradients(g, loss, diff);
  g.output("y", y);
  grads.forEach((gr, i) => {
    g.output(`g${i}`, gr);
  });
  const compiled = await CompiledGraph.create(g, { threads: 2, optimization });
  const r = rng(c.name.length * 7919 + 13);
  for (const size of SIZES) {
    const arrs = c.inputs.map((s) => randomInput(s, concrete(s.shape, size), r));
    const refIn = c.refInputs ? c.refInputs(arrs) : arrs;
    const op = c.ref as R.RefOp<unknown>;
    const params = refParams(c, size);
    const yRef = op.forward(refIn, params);
    const wArr = randomInput({ shape: [] }, yRef.shape, r);
    const feeds: Record<string, FeedValue> = { w: feed({ shape: [] }, wArr) };
    arrs.forEach((a, i) => {
      feeds[`x${i}`] = feed(c.inputs[i]!, a);
    });
    const out = await compiled.run(feeds);
    expect(out.y!.dims).toEqual(yRef.shape);
    expect(relErr(out.y!.data as Float32Array, yRef.data), `${c.name} forward`).toBeLessThan(1e-4);
    const vjp = op.vjp(refIn, yRef, wArr, params);
    let k = 0;
    for (let i = 0; i < arrs.length; i++) {
      const spec = c.inputs[i]!;
      if (spec.kind === "int" || spec.kind === "mask") continue;
      const refG = vjp[i]!;
      const onnxG = out[`g${k++}`]!;
      expect(onnxG.dims, `${c.name} grad ${i} shape`).toEqual(arrs[i]!.shape);
      expect(relErr(onnxG.data as Float32Array, refG.data), `${c.name} grad ${i} vs reference`).toBeLessThan(1e-3);
      // Reference VJP vs central differences of the float64 reference forward.
      const x = refIn[i]!;
      const fd = new Float64Array(x.size);
      const h = 1e-6;
      for (let j = 0; j < x.size; j++) {
        const orig = x.data[j]!;
        x.data[j] = orig + h;
        const lp = lossOf(op.forward(refIn, params), wArr);
        x.data[j] = orig - h;
        const lm = lossOf(op.forward(refIn, params), wArr);
        x.data[j] = orig;
        fd[j] = (lp - lm) / (2 * h);
      }
      expect(relErr(refG.data, fd), `${c.name} grad ${i} vs finite differences`).toBeLessThan(1e-6);
    }
  }
}

afterAll(releaseSessions);

for (const optimization of ["all", "disabled"] as const) {
  describe(`engine ops at optimisation level "${optimization}"`, () => {
    for (const c of cases) it(c.name, () => checkCase(c, optimization));
  });
}
