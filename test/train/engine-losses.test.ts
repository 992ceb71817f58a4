import { describe, expect, it } from "vitest";
import { gradients } from "../../src/engine/autodiff.js";
import { Graph, type Value } from "../../src/engine/graph.js";
import { CompiledGraph, f32 } from "../../src/engine/session.js";
import { buildGraphLoss, type LossGraph, TOKEN_NORMALIZER_INPUT } from "../../src/train/graph-losses.js";
import { computeLoss, type LossOptions, METHOD_SEQUENCES } from "../../src/train/losses/index.js";
import { lossBatch, lossCases } from "./loss-cases.js";

/**
 * Gradient check of every loss through the engine: the graph loss (graph-losses.ts) differentiated by the
 * engine's build-time autodiff and run in ONNX Runtime (optimisation levels "all" and "disabled") must give the
 * scalar loss and its analytic gradient w.r.t. each sequence log-prob (losses/, itself checked against finite
 * differences and PyTorch).
 */
const configs: Partial<LossOptions>[] = [
  {},
  { labelSmoothing: 0.2, beta: 0.3 },
  { lossType: "hinge", beta: 0.05 },
  { lossType: "ipo", beta: 0.3 },
  { prefFtx: 0.7 },
];

describe("losses differentiated by the engine == analytic gradients", () => {
  for (const { method, config: c, options: o, flat } of lossCases(configs)) {
    it(`${method} ${JSON.stringify(c)}`, async () => {
      const names = METHOD_SEQUENCES[method];
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
      const totalTokens = lossBatch.reduce((a, ex) => a + ex.chosen!.tokens, 0);
      const expected = computeLoss(method, lossBatch, { ...o, tokenNormalizer: totalTokens });
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
});
