import { afterAll, describe, expect, it } from "vitest";
import { gradients } from "../../../src/engine/autodiff.js";
import { Graph, type Value } from "../../../src/engine/graph.js";
import { CompiledGraph, f32, type OptimizationLevel, releaseSessions } from "../../../src/engine/session.js";
import {
  type GrpoLossType,
  grpoGraphLoss,
  grpoTokenTerms,
  grpoTokenWeights,
  meanTokenWeights,
  type OnlineLossContext,
  type OnlineLossGraph,
  ppoGraphLoss,
  ppoLoss,
  rewardGraphLoss,
  rewardLoss,
} from "../../../src/train/online/losses.js";
import { rng } from "../../engine/harness.js";

afterAll(releaseSessions);

const softplus = (x: number) => Math.log1p(Math.exp(x));

describe("reward model loss (TRL RewardTrainer)", () => {
  it("matches a hand computation, with and without center_rewards_coefficient", () => {
    // pairs (2, 1) and (0, 1): margins 1 and -1
    const plain = rewardLoss([2, 1, 0, 1]);
    expect(plain.loss).toBeCloseTo((softplus(-1) + softplus(1)) / 2, 12);
    expect(plain.metrics).toEqual({ accuracy: 0.5, margin: 0, min_reward: 0, mean_reward: 1, max_reward: 2 });
    // + 0.1 * mean((2 + 1)^2, (0 + 1)^2) = 0.1 * 5
    expect(rewardLoss([2, 1, 0, 1], { centerRewardsCoefficient: 0.1 }).loss).toBeCloseTo(plain.loss + 0.5, 12);
    expect(() => rewardLoss([1, 2, 3])).toThrow(/pairs/);
  });
});

describe("PPO loss (TRL PPOTrainer)", () => {
  const o = { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1 };

  it("matches a hand computation: clipped policy and value terms, clip fractions, approx KL", () => {
    // token 1: ratio e^0.5 = 1.6487 > 1.2, A = 1:  pg = max(-1.6487, -1.2) = -1.2 (clipped)
    // token 2: ratio 1, A = -2: pg = 2 (not clipped)
    // values: v 1.0 vs old 0.5 (clip to 0.7), R = 0: max(1, 0.49) = 1 (not clipped); v 0 vs old 0, R 1: 1
    const out = ppoLoss(
      {
        logp: [[-0.5, -1]],
        oldLogp: [[-1, -1]],
        advantages: [[1, -2]],
        values: [[1, 0]],
        oldValues: [[0.5, 0]],
        returns: [[0, 1]],
      },
      o,
    );
    expect(out.pgLoss).toBeCloseTo((-1.2 + 2) / 2, 12);
    expect(out.vfLoss).toBeCloseTo((0.5 * (1 + 1)) / 2, 12);
    expect(out.loss).toBeCloseTo(out.pgLoss + 0.1 * out.vfLoss, 12);
    expect(out.pgClipfrac).toBe(0.5);
    expect(out.vfClipfrac).toBe(0);
    expect(out.approxkl).toBeCloseTo((0.5 * 0.25) / 2, 12);
    expect(out.ratio).toBeCloseTo((Math.exp(0.5) + 1) / 2, 12);
  });

  it("without clipping and with equal old/new log-probs, the policy term is -mean(A)", () => {
    const out = ppoLoss(
      {
        logp: [[-1, -2], [-3]],
        oldLogp: [[-1, -2], [-3]],
        advantages: [[0.5, -1], [2]],
        values: [[0, 0], [0]],
        oldValues: [[0, 0], [0]],
        returns: [[0, 0], [0]],
      },
      o,
    );
    expect(out.pgLoss).toBeCloseTo(-(0.5 - 1 + 2) / 3, 12);
    expect(out.pgClipfrac).toBe(0);
  });
});

describe("GRPO per-token loss and loss_type weights (TRL GRPOTrainer)", () => {
  it("clips r at 1 - eps_low and 1 + eps_high and adds beta k3", () => {
    const o = { epsilonLow: 0.2, epsilonHigh: 0.28, beta: 0.04 };
    // token 1: r = e^0.5 > 1.28 with A = 1 -> -min(1.6487, 1.28) = -1.28, high-clipped
    // token 2: r = e^-0.5 = 0.6065 < 0.8 with A = 1 -> -min(0.6065, 0.8) = -0.6065, not clipped (A > 0)
    const t = grpoTokenTerms([-0.5, -1.5], [-1, -1], 1, [-1, -1], o);
    const k3 = (d: number) => Math.exp(d) - d - 1;
    expect(t.loss[0]).toBeCloseTo(-1.28 + 0.04 * k3(-0.5), 12);
    expect(t.loss[1]).toBeCloseTo(-Math.exp(-0.5) + 0.04 * k3(0.5), 12);
    expect(t.high).toEqual([true, false]);
    expect(t.low).toEqual([false, false]);
    // with A < 0, r < 1 - eps_low is the low clip: -min(0.6065 * -1, 0.8 * -1) = 0.8
    const neg = grpoTokenTerms([-1.5], [-1], -1, undefined, { ...o, beta: 0 });
    expect(neg.loss[0]).toBeCloseTo(0.8, 12);
    expect(neg.low).toEqual([true]);
  });

  it("loss_type weights: grpo, bnpo, dr_grpo, dapo for two micro-batches", () => {
    const lengths = [[2, 4], [3]];
    const cases: [GrpoLossType, number[][]][] = [
      ["grpo", [[1 / (2 * 2 * 2), 1 / (4 * 2 * 2)], [1 / (3 * 1 * 2)]]],
      ["bnpo", [[1 / (6 * 2), 1 / (6 * 2)], [1 / (3 * 2)]]],
      ["dr_grpo", [[1 / (2 * 10 * 2), 1 / (2 * 10 * 2)], [1 / (1 * 10 * 2)]]],
      ["dapo", [[1 / 9, 1 / 9], [1 / 9]]],
    ];
    for (const [type, want] of cases) {
      const got = grpoTokenWeights(lengths, type, 10);
      want.forEach((w, k) => {
        w.forEach((x, j) => {
          expect(got[k]![j], `${type} ${k}/${j}`).toBeCloseTo(x, 14);
        });
      });
    }
    expect(meanTokenWeights(lengths)).toEqual([[1 / 12, 1 / 12], [1 / 6]]);
  });
});

// ---------------------------------------------------------------- graph forms

/** A tiny eager evaluator of the loss graph operations (1-D float64 vectors, scalar broadcasting). */
interface T {
  d: Float64Array;
  s: number[];
}
const at = (a: T, i: number) => a.d[a.d.length === 1 ? 0 : i]!;
function bin(a: T, b: T, f: (x: number, y: number) => number): T {
  const n = Math.max(a.d.length, b.d.length);
  return {
    d: Float64Array.from({ length: n }, (_, i) => f(at(a, i), at(b, i))),
    s: a.d.length >= b.d.length ? a.s : b.s,
  };
}
const un = (a: T, f: (x: number) => number): T => ({ d: a.d.map(f), s: a.s });
const eager: OnlineLossGraph<T> = {
  add: (a, b) => bin(a, b, (x, y) => x + y),
  sub: (a, b) => bin(a, b, (x, y) => x - y),
  mul: (a, b) => bin(a, b, (x, y) => x * y),
  neg: (a) => un(a, (x) => -x),
  exp: (a) => un(a, Math.exp),
  softplus: (a) => un(a, softplus),
  where: (c, a, b) => {
    const n = Math.max(c.d.length, a.d.length, b.d.length);
    return { d: Float64Array.from({ length: n }, (_, i) => (at(c, i) ? at(a, i) : at(b, i))), s: [n] };
  },
  less: (a, b) => bin(a, b, (x, y) => (x < y ? 1 : 0)),
  matmul: (a, b) => {
    const [g, k] = a.s as [number, number];
    const d = new Float64Array(g);
    for (let i = 0; i < g; i++) for (let j = 0; j < k; j++) d[i] += a.d[i * k + j]! * b.d[j]!;
    return { d, s: [g, 1] };
  },
  reshapeInfer: (x, target) => {
    const known = target.filter((t) => t !== -1).reduce((a, b) => a * b, 1);
    return { d: x.d, s: target.map((t) => (t === -1 ? x.d.length / known : t)) };
  },
  reduceSum: (x) => ({ d: Float64Array.of(x.d.reduce((a, b) => a + b, 0)), s: [] }),
  reduceMean: (x) => ({ d: Float64Array.of(x.d.reduce((a, b) => a + b, 0) / x.d.length), s: [] }),
  constant: (data, shape) => ({ d: Float64Array.from(data), s: shape }),
  scalar: (x) => ({ d: Float64Array.of(x), s: [] }),
};
const vec = (xs: number[]): T => ({ d: Float64Array.from(xs), s: [xs.length] });

/** A micro-batch of two completions (3 and 2 tokens), flattened in [R] order. */
function sample(seed: number) {
  const r = rng(seed);
  const u = (n: number, s = 1) => Array.from({ length: n }, () => (r() * 2 - 1) * s);
  const lengths = [3, 2];
  const R = 5;
  return {
    lengths,
    logp: u(R).map((x) => x - 1.5),
    oldLogp: u(R).map((x) => x * 0.5 - 1.5),
    adv: u(R, 2),
    values: u(R),
    oldValues: u(R),
    returns: u(R),
    ref: u(R).map((x) => x - 1.5),
    weight: [1 / 5, 1 / 5, 1 / 5, 1 / 5, 1 / 5],
    score: u(4),
  };
}
const split = (xs: number[], lengths: number[]) => {
  let k = 0;
  return lengths.map((n) => xs.slice(k, (k += n)));
};

function scalarPpo(s: ReturnType<typeof sample>, o: { cliprange: number; cliprangeValue: number; vfCoef: number }) {
  const sp = (x: number[]) => split(x, s.lengths);
  return ppoLoss(
    {
      logp: sp(s.logp),
      oldLogp: sp(s.oldLogp),
      advantages: sp(s.adv),
      values: sp(s.values),
      oldValues: sp(s.oldValues),
      returns: sp(s.returns),
    },
    o,
  ).loss;
}

function scalarGrpo(
  s: ReturnType<typeof sample>,
  o: { epsilonLow: number; epsilonHigh: number; beta: number },
  old: "input" | "detached",
) {
  let total = 0;
  s.logp.forEach((lp, t) => {
    const terms = grpoTokenTerms([lp], [old === "input" ? s.oldLogp[t]! : lp], s.adv[t]!, [s.ref[t]!], o);
    total += s.weight[t]! * terms.loss[0]!;
  });
  return total;
}

describe("graph losses == scalar losses (eager evaluation of the graph forms)", () => {
  const s = sample(5);
  const ctx: OnlineLossContext<T> = {
    logp: vec(s.logp),
    values: vec(s.values),
    score: vec(s.score),
    tokenInput: (name) =>
      vec(
        {
          old_logp: s.oldLogp,
          advantages: s.adv,
          returns: s.returns,
          old_values: s.oldValues,
          weight: s.weight,
          ref_logp: s.ref,
        }[name]!,
      ),
    scalarInput: () => vec([0]),
    stopGradient: (x) => x,
  };
  it("reward model", () => {
    for (const c of [undefined, 0.3]) {
      const g = rewardGraphLoss({ centerRewardsCoefficient: c })(eager, ctx);
      expect(g.d[0]).toBeCloseTo(rewardLoss(s.score, { centerRewardsCoefficient: c }).loss, 12);
    }
  });
  it("PPO (with tight clip ranges so that both branches occur)", () => {
    for (const o of [
      { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1 },
      { cliprange: 0.05, cliprangeValue: 0.05, vfCoef: 1 },
    ]) {
      // weights 1/5 on a single micro-batch: the masked mean
      expect(ppoGraphLoss(o)(eager, ctx).d[0]).toBeCloseTo(scalarPpo(s, o), 12);
    }
  });
  it("GRPO, old log-probs fed or detached, with and without beta", () => {
    for (const o of [
      { epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0 },
      { epsilonLow: 0.1, epsilonHigh: 0.28, beta: 0.04 },
    ])
      for (const old of ["input", "detached"] as const)
        expect(grpoGraphLoss({ ...o, oldLogp: old })(eager, ctx).d[0]).toBeCloseTo(scalarGrpo(s, o, old), 12);
  });
});

describe.each(["all", "disabled"] as OptimizationLevel[])(
  "ONNX gradients of the online losses w.r.t. log-probs, values and scores == central differences (opt %s)",
  (optimization) => {
    /** Build the loss over graph inputs logp/values/score, run it with ORT, return loss and gradients. */
    async function run(
      build: (g: Graph, ctx: OnlineLossContext<Value>) => Value,
      s: ReturnType<typeof sample>,
    ): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
      const g = new Graph("loss");
      const logp = g.input("logp", "float32", ["R"]);
      const values = g.input("values", "float32", ["R"]);
      const score = g.input("score", "float32", ["N"]);
      const feeds: Record<string, ReturnType<typeof f32>> = {
        logp: f32(Float32Array.from(s.logp), [5]),
        values: f32(Float32Array.from(s.values), [5]),
        score: f32(Float32Array.from(s.score), [4]),
      };
      const data: Record<string, number[]> = {
        old_logp: s.oldLogp,
        advantages: s.adv,
        returns: s.returns,
        old_values: s.oldValues,
        weight: s.weight,
        ref_logp: s.ref,
      };
      const ctx: OnlineLossContext<Value> = {
        logp,
        values,
        score,
        tokenInput: (name) => {
          feeds[name] = f32(Float32Array.from(data[name]!), [5]);
          return g.input(name, "float32", ["R"]);
        },
        scalarInput: () => {
          throw new Error("unused");
        },
        stopGradient: (x) => g.withGradient(g.identity(x), [x], () => [undefined]),
      };
      const loss = build(g, ctx);
      const grads = gradients(g, loss, [logp, values, score]);
      g.output("loss", loss);
      g.output("g_logp", grads[0]!);
      g.output("g_values", grads[1]!);
      g.output("g_score", grads[2]!);
      const compiled = await CompiledGraph.create(g, { optimization, threads: 1 });
      const out = await compiled.run(feeds);
      return {
        loss: (out.loss!.data as Float32Array)[0]!,
        grads: {
          logp: out.g_logp!.data as Float32Array,
          values: out.g_values!.data as Float32Array,
          score: out.g_score!.data as Float32Array,
        },
      };
    }

    function checkFd(
      got: Record<string, Float32Array>,
      s: ReturnType<typeof sample>,
      f: (s: ReturnType<typeof sample>) => number,
      fields: ("logp" | "values" | "score")[],
    ) {
      const h = 1e-5;
      for (const field of fields) {
        s[field].forEach((_, i) => {
          const plus = structuredClone(s);
          const minus = structuredClone(s);
          plus[field][i]! += h;
          minus[field][i]! -= h;
          const fd = (f(plus) - f(minus)) / (2 * h);
          expect(Math.abs(got[field]![i]! - fd), `${field}[${i}] onnx ${got[field]![i]} fd ${fd}`).toBeLessThan(1e-4);
        });
      }
    }

    it("PPO: policy and value terms", async () => {
      const s = sample(11);
      const o = { cliprange: 0.3, cliprangeValue: 0.3, vfCoef: 0.5 };
      const r = await run(ppoGraphLoss(o), s);
      expect(Math.abs(r.loss - scalarPpo(s, o))).toBeLessThan(1e-5);
      checkFd(r.grads, s, (x) => scalarPpo(x, o), ["logp", "values"]);
    });

    it("GRPO with a fed old policy and beta > 0", async () => {
      const s = sample(13);
      const o = { epsilonLow: 0.2, epsilonHigh: 0.28, beta: 0.1 };
      const r = await run(grpoGraphLoss({ ...o, oldLogp: "input" }), s);
      expect(Math.abs(r.loss - scalarGrpo(s, o, "input"))).toBeLessThan(1e-5);
      checkFd(r.grads, s, (x) => scalarGrpo(x, o, "input"), ["logp"]);
    });

    it("GRPO with one iteration (old = current, detached): the gradient is -w A per token", async () => {
      const s = sample(17);
      const r = await run(grpoGraphLoss({ epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0, oldLogp: "detached" }), s);
      s.logp.forEach((_, t) => {
        expect(Math.abs(r.grads.logp![t]! + s.weight[t]! * s.adv[t]!)).toBeLessThan(1e-6);
      });
    });

    it("reward model: Bradley-Terry with centring, gradients w.r.t. the scores", async () => {
      const s = sample(19);
      const r = await run(rewardGraphLoss({ centerRewardsCoefficient: 0.2 }), s);
      const f = (x: ReturnType<typeof sample>) => rewardLoss(x.score, { centerRewardsCoefficient: 0.2 }).loss;
      expect(Math.abs(r.loss - f(s))).toBeLessThan(1e-5);
      checkFd(r.grads, s, f, ["score"]);
    });
  },
);
