import { describe, expect, it } from "vitest";
import { buildGraphLoss, type LossGraph, TOKEN_NORMALIZER_INPUT } from "../../src/train/graph-losses.js";
import { computeLoss, type LossOptions, METHOD_SEQUENCES } from "../../src/train/losses/index.js";
import { lossBatch, lossCases } from "./loss-cases.js";

/** A tiny eager evaluator of the graph operations (1-D/2-D float64, scalar broadcasting), to check the formulas. */
interface T {
  d: Float64Array;
  s: number[];
}
function bin(a: T, b: T, f: (x: number, y: number) => number): T {
  const n = Math.max(a.d.length, b.d.length);
  const s = a.d.length >= b.d.length ? a.s : b.s;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = f(a.d[a.d.length === 1 ? 0 : i], b.d[b.d.length === 1 ? 0 : i]);
  return { d, s };
}
const un = (a: T, f: (x: number) => number): T => ({ d: a.d.map(f), s: a.s });
const eager: LossGraph<T> = {
  add: (a, b) => bin(a, b, (x, y) => x + y),
  sub: (a, b) => bin(a, b, (x, y) => x - y),
  mul: (a, b) => bin(a, b, (x, y) => x * y),
  div: (a, b) => bin(a, b, (x, y) => x / y),
  neg: (a) => un(a, (x) => -x),
  exp: (a) => un(a, Math.exp),
  log: (a) => un(a, Math.log),
  softplus: (a) => un(a, (x) => Math.log(1 + Math.exp(x))),
  where: (c, a, b) => ({
    d: c.d.map((x, i) => (x ? a.d[a.d.length === 1 ? 0 : i] : b.d[b.d.length === 1 ? 0 : i])),
    s: c.s,
  }),
  less: (a, b) => bin(a, b, (x, y) => (x < y ? 1 : 0)),
  matmul: (a, b) => {
    const [g, k] = a.s;
    const d = new Float64Array(g);
    for (let i = 0; i < g; i++) for (let j = 0; j < k; j++) d[i] += a.d[i * k + j] * b.d[j];
    return { d, s: [g, 1] };
  },
  reshapeInfer: (x, target) => {
    const known = target.filter((t) => t !== -1).reduce((a, b) => a * b, 1);
    return { d: x.d, s: target.map((t) => (t === -1 ? x.d.length / known : t)) };
  },
  reduceMean: (x, _axes, keepdims = true) => ({
    d: Float64Array.of(x.d.reduce((a, b) => a + b, 0) / x.d.length),
    s: keepdims ? [1] : [],
  }),
  reduceSum: (x, _axes, keepdims = true) => ({
    d: Float64Array.of(x.d.reduce((a, b) => a + b, 0)),
    s: keepdims ? [1] : [],
  }),
  constant: (data, shape) => ({ d: Float64Array.from(data), s: shape }),
  scalar: (x) => ({ d: Float64Array.of(x), s: [] }),
};

describe("graph losses == scalar losses", () => {
  const configs: Partial<LossOptions>[] = [
    {},
    { labelSmoothing: 0.2, beta: 0.3 },
    { lossType: "hinge", beta: 0.05 },
    { lossType: "hinge", beta: 2 },
    { lossType: "ipo", beta: 0.3 },
    { prefFtx: 0.7 },
  ];
  for (const { method, config: c, options: o, flat } of lossCases(configs)) {
    it(`${method} ${JSON.stringify(c)}`, () => {
      const _names = METHOD_SEQUENCES[method];
      const vec = (f: (s: (typeof flat)[number]) => number): T => ({
        d: Float64Array.from(flat, f),
        s: [flat.length],
      });
      const totalTokens = lossBatch.reduce((a, ex) => a + ex.chosen!.tokens, 0);
      const out = buildGraphLoss(
        eager,
        {
          logpSum: vec((s) => s.policy),
          count: vec((s) => s.tokens),
          refLogp: vec((s) => s.reference!),
          input: (name) => {
            expect(name).toBe(TOKEN_NORMALIZER_INPUT);
            return { d: Float64Array.of(totalTokens), s: [1] };
          },
        },
        method,
        o,
      );
      expect(out.d).toHaveLength(1);
      expect(out.d[0]).toBeCloseTo(computeLoss(method, lossBatch, o).loss, 10);
    });
  }
});
