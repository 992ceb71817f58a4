import { afterAll, describe, expect, it } from "vitest";
import { gradients } from "../../src/engine/autodiff.js";
import { rmsNorm, swiglu, tokenLogprob } from "../../src/engine/blocks.js";
import { Graph, type Value } from "../../src/engine/graph.js";
import { CompiledGraph, f32, i64, releaseSessions } from "../../src/engine/session.js";
import { relErr, rng } from "./harness.js";

/**
 * The fused blocks' hand-written VJPs against (a) op-by-op autodiff of the same forward (whose rules are checked per
 * op in ops.test.ts) and (b) central finite differences of a float64 formula, at two sizes and both ORT
 * optimisation levels.
 */
afterAll(releaseSessions);

interface BlockCase {
  name: string;
  shapes: (T: number) => number[][];
  fused: (g: Graph, x: Value[]) => Value;
  plain: (g: Graph, x: Value[]) => Value;
  /** float64 forward of the block for finite differences */
  ref: (x: Float64Array[], T: number) => Float64Array;
  intInput?: { shape: (T: number) => number[]; max: number };
}

const D = 6;
const V = 7;
const eps = 1e-5;
const cases: BlockCase[] = [
  {
    name: "RMSNorm",
    shapes: (T) => [[T, D], [D]],
    fused: (g, [x, w]) => rmsNorm(g, x!, w!, eps),
    plain: (g, [x, w]) =>
      g.mul(g.mul(x!, g.reciprocal(g.sqrt(g.add(g.reduceMean(g.mul(x!, x!), [-1], true), g.scalar(eps))))), w!),
    ref: ([x, w], T) => {
      const y = new Float64Array(T * D);
      for (let t = 0; t < T; t++) {
        let ms = 0;
        for (let i = 0; i < D; i++) ms += x![t * D + i]! ** 2 / D;
        for (let i = 0; i < D; i++) y[t * D + i] = (x![t * D + i]! / Math.sqrt(ms + eps)) * w![i]!;
      }
      return y;
    },
  },
  {
    name: "SwiGLU",
    shapes: (T) => [
      [T, D],
      [T, D],
    ],
    fused: (g, [a, b]) => swiglu(g, a!, b!),
    plain: (g, [a, b]) => g.mul(g.mul(a!, g.sigmoid(a!)), b!),
    ref: ([a, b]) => a!.map((v, i) => (v / (1 + Math.exp(-v))) * b![i]!),
  },
  {
    name: "token log-prob",
    shapes: (T) => [[T, V]],
    intInput: { shape: (T) => [T, 1], max: V },
    fused: (g, [l, t]) => tokenLogprob(g, l!, t!),
    plain: (g, [l, t]) => g.gatherElements(g.logSoftmax(l!, -1), t!, 1),
    ref: () => new Float64Array(0), // replaced below (needs the targets)
  },
];

describe.each(["all", "disabled"] as const)("fused blocks at optimisation level %s", (optimization) => {
  it.each(cases)("$name: fused VJP == op-by-op VJP == finite differences", async (c) => {
    for (const fused of [true, false]) {
      const g = new Graph(c.name);
      const shapes = c.shapes(1);
      const xs = shapes.map((s, i) =>
        g.input(
          `x${i}`,
          "float32",
          s.map((d, k) => (k === 0 && s.length === 2 && d === 1 ? "T" : d)),
        ),
      );
      const ti = c.intInput ? g.input("t", "int64", ["T", 1]) : undefined;
      const all = ti ? [...xs, ti] : xs;
      const y = fused ? c.fused(g, all) : c.plain(g, all);
      const w = g.input("w", "float32", y.shape);
      const loss = g.reduceSum(
        g.mul(y, w),
        y.shape.map((_, i) => i),
        false,
      );
      gradients(g, loss, xs).forEach((gr, i) => {
        g.output(`g${i}`, gr);
      });
      g.output("y", y);
      const compiled = await CompiledGraph.create(g, { threads: 2, optimization });
      const r = rng(5);
      for (const T of [3, 5]) {
        const data = c
          .shapes(T)
          .map((s) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => Math.fround(r() * 2 - 1)));
        const targets = Float64Array.from({ length: T }, () => Math.floor(r() * V));
        const ref = (x: Float64Array[]) => {
          if (!c.intInput) return c.ref(x, T);
          const out = new Float64Array(T);
          for (let t = 0; t < T; t++) {
            const row = x[0]!.subarray(t * V, (t + 1) * V);
            const m = Math.max(...row);
            out[t] = row[targets[t]!]! - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
          }
          return out;
        };
        const y0 = ref(data);
        const wv = Float64Array.from(y0, () => Math.fround(r() * 2 - 1));
        const feeds: Record<string, ReturnType<typeof f32>> = {
          w: f32(Float32Array.from(wv), [...(c.intInput ? [T, 1] : c.shapes(T)[0]!)]),
        };
        data.forEach((d, i) => {
          feeds[`x${i}`] = f32(Float32Array.from(d), c.shapes(T)[i]!);
        });
        if (ti) feeds.t = i64(targets, [T, 1]);
        const out = await compiled.run(feeds);
        expect(relErr(out.y!.data as Float32Array, y0)).toBeLessThan(1e-5);
        data.forEach((d, i) => {
          const fd = new Float64Array(d.length);
          for (let j = 0; j < d.length; j++) {
            const o = d[j]!;
            d[j] = o + 1e-6;
            const lp = ref(data).reduce((s, v, k) => s + v * wv[k]!, 0);
            d[j] = o - 1e-6;
            const lm = ref(data).reduce((s, v, k) => s + v * wv[k]!, 0);
            d[j] = o;
            fd[j] = (lp - lm) / 2e-6;
          }
          expect(
            relErr(out[`g${i}`]!.data as Float32Array, fd),
            `${c.name} ${fused ? "fused" : "plain"} grad ${i}`,
          ).toBeLessThan(1e-3);
        });
      }
    }
  });
});
