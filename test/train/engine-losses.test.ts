import { describe, expect, it } from "vitest";
import { gradients } from "../../src/engine/autodiff.js";
import { Graph, type Value } from "../../src/engine/graph.js";
import { CompiledGraph, f32 } from "../../src/engine/session.js";
import { buildGraphLoss, type LossGraph, TOKEN_NORMALIZER_INPUT } from "../../src/train/graph-losses.js";
import {
  computeLoss,
  defaultLossOptions,
  type Example,
  type LossOptions,
  METHOD_SEQUENCES,
  METHODS,
} from "../../src/train/losses/index.js";

/**
 * Gradient check of every loss through the engine: the graph loss (graph-losses.ts) differentiated by the
 * engine's build-time autodiff and run in ONNX Runtime (optimisation levels "all" and "disabled") must give the
 * scalar loss and its analytic gradient w.r.t. each sequence log-prob (losses/, itself checked against finite
 * differences and PyTorch).
 */
const seq = (policy: number, reference: number, tokens: number) => ({ policy, reference, tokens });
const batch: Example[] = [
  {
    chosen: seq(-10.2, -11, 4),
    rejected: seq(-14.7, -14.1, 6),
    chosen_v1: seq(-12.5, -13, 5),
    rejected_v1: seq(-20, -19.2, 7),
    chosen_v2: seq(-15.1, -15.9, 6),
    rejected_v2: seq(-18.4, -18, 4),
  },
  {
    chosen: seq(-3.3, -2.9, 3),
    rejected: seq(-2.1, -2.4, 2),
    chosen_v1: seq(-3, -2, 2),
    rejected_v1: seq(-5, -6, 3),
    chosen_v2: seq(-4, -4.5, 2),
    rejected_v2: seq(-7, -6, 3),
  },
];
const configs: Partial<LossOptions>[] = [
  {},
  { labelSmoothing: 0.2, beta: 0.3 },
  { lossType: "hinge", beta: 0.05 },
  { lossType: "ipo", beta: 0.3 },
  { prefFtx: 0.7 },
];

describe("losses differentiated by the engine == analytic gradients", () => {
  for (const method of METHODS) {
    for (const c of configs) {
      if ((method === "simpo" || method === "orpo") && c.lossType === "ipo") continue;
      it(`${method} ${JSON.stringify(c)}`, async () => {
        const o = { ...defaultLossOptions, ...(method === "simpo" ? { ...c, beta: 2 } : c) };
        const names = METHOD_SEQUENCES[method];
        const flat = batch.flatMap((ex) => names.map((n) => ex[n]!));
        const g = new Graph("loss-check");
        const logp = g.input("logp", "float32", ["N"]);
        const count = g.input("count", "float32", ["N"]);
        let ref: Value | undefined;
        const extras: string[] = [];
        const loss = buildGraphLoss(
          g as unknown as LossGraph<Value>,
          {
            logpSum: logp,
            count,
            get refLogp() {
              ref ??= g.input("ref", "float32", ["N"]);
              return ref;
            },
            input: (name, dims) => {
              extras.push(name);
              return g.input(name, "float32", dims);
            },
          },
          method,
          o,
        );
        const [dlogp] = gradients(g, loss, [logp]);
        g.output("loss", loss);
        g.output("dlogp", dlogp!);
        const totalTokens = batch.reduce((a, ex) => a + ex.chosen!.tokens, 0);
        const expected = computeLoss(method, batch, { ...o, tokenNormalizer: totalTokens });
        const expGrad = expected.grad.flatMap((eg) => names.map((n) => eg[n]!));
        for (const optimization of ["all", "disabled"] as const) {
          const compiled = await CompiledGraph.create(g, { optimization, threads: 1 });
          const feeds: Record<string, ReturnType<typeof f32>> = {
            logp: f32(
              Float32Array.from(flat, (s) => s.policy),
              [flat.length],
            ),
            count: f32(
              Float32Array.from(flat, (s) => s.tokens),
              [flat.length],
            ),
          };
          if (ref)
            feeds.ref = f32(
              Float32Array.from(flat, (s) => s.reference!),
              [flat.length],
            );
          for (const e of extras) {
            expect(e).toBe(TOKEN_NORMALIZER_INPUT);
            feeds[e] = f32(Float32Array.of(totalTokens), [1]);
          }
          const out = await compiled.run(feeds);
          const l = (out.loss!.data as Float32Array)[0]!;
          expect(Math.abs(l - expected.loss)).toBeLessThan(1e-5 * (1 + Math.abs(expected.loss)));
          const grad = out.dlogp!.data as Float32Array;
          expGrad.forEach((v, i) => {
            expect(Math.abs(grad[i]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v)));
          });
        }
      });
    }
  }
});
