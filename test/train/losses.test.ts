import { describe, expect, it } from "vitest";
import {
  computeLoss,
  defaultLossOptions,
  type Example,
  type LossOptions,
  logSigmoid,
  METHOD_SEQUENCES,
  METHODS,
  type Method,
  type SeqName,
} from "../../src/train/losses/index.js";

// Independent, naive formulas (not the library's): -log(1/(1+e^-x)).
const nls = (x: number) => Math.log(1 + Math.exp(-x));
const opts = (o: Partial<LossOptions> = {}): LossOptions => ({ ...defaultLossOptions, ...o });
const seq = (policy: number, reference: number, tokens: number) => ({ policy, reference, tokens });

const group: Example = {
  chosen_v1: seq(-12.5, -13.0, 5),
  rejected_v1: seq(-20.0, -19.2, 7),
  chosen_v2: seq(-15.1, -15.9, 6),
  rejected_v2: seq(-18.4, -18.0, 4),
};
const pair: Example = { chosen: seq(-10.2, -11.0, 4), rejected: seq(-14.7, -14.1, 6) };

describe("log-sigmoid", () => {
  it("is stable at extremes and exact in the middle", () => {
    expect(logSigmoid(1000)).toBe(0);
    expect(logSigmoid(-1000)).toBe(-1000);
    expect(logSigmoid(0.3)).toBeCloseTo(-nls(0.3), 14);
    expect(logSigmoid(-40)).toBeCloseTo(-40 - Math.log1p(Math.exp(-40)), 12);
  });
});

describe("hand-computed loss values", () => {
  it("sft = mean token NLL", () => {
    const out = computeLoss(
      "sft",
      [{ chosen: { policy: -6, tokens: 3 } }, { chosen: { policy: -3, tokens: 2 } }],
      opts(),
    );
    expect(out.loss).toBeCloseTo(9 / 5, 12);
  });
  it("dpo sigmoid with label smoothing", () => {
    // z = (-10.2+11.0) - (-14.7+14.1) = 0.8 + 0.6 = 1.4
    const b = 0.1;
    const eps = 0.1;
    const expected = (1 - eps) * nls(b * 1.4) + eps * nls(-b * 1.4);
    expect(computeLoss("dpo", [pair], opts({ labelSmoothing: eps })).loss).toBeCloseTo(expected, 10);
    const m = computeLoss("dpo", [pair], opts()).metrics;
    expect(m["rewards/chosen"]).toBeCloseTo(0.08, 12);
    expect(m["rewards/rejected"]).toBeCloseTo(-0.06, 12);
    expect(m["rewards/margins"]).toBeCloseTo(0.14, 12);
    expect(m["rewards/accuracies"]).toBe(1);
    expect(m["logps/chosen"]).toBe(-10.2);
    expect(m["logps/ref_rejected"]).toBe(-14.1);
  });
  it("dpo hinge and ipo", () => {
    expect(computeLoss("dpo", [pair], opts({ lossType: "hinge", beta: 0.5 })).loss).toBeCloseTo(1 - 0.7, 12);
    // ipo on length-normalised: z = 0.8/4 - (-0.6/6) = 0.2 + 0.1 = 0.3; (0.3 - 1/(2*0.5))^2 = 0.49
    expect(computeLoss("dpo", [pair], opts({ lossType: "ipo", beta: 0.5 })).loss).toBeCloseTo(0.49, 12);
  });
  it("dpo + pref_ftx adds the chosen mean NLL", () => {
    const b = 0.1;
    const expected = nls(b * 1.4) + 0.5 * (10.2 / 4);
    expect(computeLoss("dpo", [pair], opts({ prefFtx: 0.5 })).loss).toBeCloseTo(expected, 10);
  });
  it("iopo (eq. 9) with and without smoothing and pref_ftx", () => {
    // D11 = 0.5, D12 = -0.8, D22 = 0.8, D21 = -0.4
    const pi1 = 2 * 0.5 - -0.8 - -0.4; // 2.2
    const pi2 = 2 * 0.8 - -0.4 - -0.8; // 2.8
    const z = (pi1 + pi2) / 2; // 2.5
    expect(z).toBeCloseTo(2.5, 12);
    const b = 0.1;
    expect(computeLoss("iopo", [group], opts()).loss).toBeCloseTo(nls(0.25), 10);
    expect(computeLoss("iopo", [group], opts({ labelSmoothing: 0.2 })).loss).toBeCloseTo(
      0.8 * nls(b * z) + 0.2 * nls(-b * z),
      10,
    );
    expect(computeLoss("iopo", [group], opts({ prefFtx: 1 })).loss).toBeCloseTo(nls(0.25) + 12.5 / 5 + 15.1 / 6, 10);
    expect(computeLoss("iopo", [group], opts({ lossType: "hinge", beta: 0.2 })).loss).toBeCloseTo(0.5, 12);
    // ipo: normalised deltas 0.5/5, -0.8/7, 0.8/6, -0.4/4
    const zn = 0.1 + 0.8 / 6 + 0.8 / 7 + 0.1;
    expect(computeLoss("iopo", [group], opts({ lossType: "ipo", beta: 0.25 })).loss).toBeCloseTo((zn - 2) ** 2, 12);
  });
  it("iopo metrics use the official _v1/_v2 names and pairings", () => {
    const m = computeLoss("iopo", [group], opts()).metrics;
    expect(m["rewards/chosen_v1"]).toBeCloseTo(0.05, 12);
    expect(m["rewards/rejected_v1"]).toBeCloseTo(-0.08, 12);
    expect(m["rewards/chosen_v2"]).toBeCloseTo(0.08, 12);
    expect(m["rewards/rejected_v2"]).toBeCloseTo(-0.04, 12);
    expect(m["rewards/margins_v2"]).toBeCloseTo(0.12, 12);
    expect(m["rewards/accuracies_v1"]).toBe(1);
    expect(m["logps/rejected_v2"]).toBe(-18.4);
    expect(m["logps/ref_chosen_v2"]).toBe(-15.9);
  });
  it("iopo_star uses only Pi_1 (three sequences)", () => {
    const three: Example = {
      chosen_v1: group.chosen_v1,
      rejected_v1: group.rejected_v1,
      rejected_v2: group.rejected_v2,
    };
    expect(computeLoss("iopo_star", [three], opts()).loss).toBeCloseTo(nls(0.1 * 2.2), 10);
  });
  it("ablations: each pair its own sigmoid term", () => {
    const b = 0.1;
    // input only: D11 - D21 = 0.9, D22 - D12 = 1.6
    expect(computeLoss("iopo_input_only", [group], opts()).loss).toBeCloseTo(0.5 * (nls(b * 0.9) + nls(b * 1.6)), 10);
    // output only: D11 - D12 = 1.3, D22 - D21 = 1.2
    expect(computeLoss("iopo_output_only", [group], opts()).loss).toBeCloseTo(0.5 * (nls(b * 1.3) + nls(b * 1.2)), 10);
  });
  it("simpo: -log sigma(beta (avg_w - avg_l) - gamma)", () => {
    const b = 2;
    const g = 0.5;
    const x = b * (-10.2 / 4 - -14.7 / 6) - g;
    expect(computeLoss("simpo", [pair], opts({ beta: b, simpoGamma: g })).loss).toBeCloseTo(nls(x), 10);
    const m = computeLoss("simpo", [pair], opts({ beta: b, simpoGamma: g })).metrics;
    expect(m["rewards/chosen"]).toBeCloseTo((b * -10.2) / 4, 12);
    expect(m["logps/ref_chosen"]).toBeUndefined();
  });
  it("orpo: NLL + lambda * odds-ratio term", () => {
    const lam = 0.25;
    const mw = -10.2 / 4;
    const ml = -14.7 / 6;
    const odds = (m: number) => Math.log(Math.exp(m) / (1 - Math.exp(m)));
    const expected = -mw + lam * nls(odds(mw) - odds(ml));
    expect(computeLoss("orpo", [pair], opts({ beta: lam })).loss).toBeCloseTo(expected, 10);
  });
  it("batch loss is the mean of the per-example losses", () => {
    const g2: Example = {
      chosen_v1: seq(-3, -2, 2),
      rejected_v1: seq(-5, -6, 3),
      chosen_v2: seq(-4, -4.5, 2),
      rejected_v2: seq(-7, -6, 3),
    };
    const a = computeLoss("iopo", [group], opts()).loss;
    const c = computeLoss("iopo", [g2], opts()).loss;
    expect(computeLoss("iopo", [group, g2], opts()).loss).toBeCloseTo((a + c) / 2, 12);
  });
});

describe("invariants", () => {
  it("iopo logits == D11 + D22 - D12 - D21 and eps=0 equals -logsig", () => {
    for (let t = 0; t < 20; t++) {
      const r = () => -Math.random() * 30;
      const ex: Example = {
        chosen_v1: seq(r(), r(), 3),
        rejected_v1: seq(r(), r(), 3),
        chosen_v2: seq(r(), r(), 3),
        rejected_v2: seq(r(), r(), 3),
      };
      const d = (s: SeqName) => ex[s]!.policy - ex[s]!.reference!;
      const z = d("chosen_v1") + d("chosen_v2") - d("rejected_v1") - d("rejected_v2");
      expect(computeLoss("iopo", [ex], opts({ beta: 0.3 })).loss).toBeCloseTo(-logSigmoid(0.3 * z), 10);
    }
  });
  it("a symmetric group (Pi_1 = Pi_2) gives iopo == iopo_star", () => {
    const sym: Example = {
      chosen_v1: seq(-5, -6, 3),
      rejected_v1: seq(-9, -8, 3),
      chosen_v2: seq(-5, -6, 3),
      rejected_v2: seq(-9, -8, 3),
    };
    expect(computeLoss("iopo_star", [sym], opts()).loss).toBeCloseTo(computeLoss("iopo", [sym], opts()).loss, 12);
  });
  it("swapping the roles of (x1,y1) and (x2,y2) leaves iopo unchanged", () => {
    const swapped: Example = {
      chosen_v1: group.chosen_v2,
      rejected_v1: group.rejected_v2,
      chosen_v2: group.chosen_v1,
      rejected_v2: group.rejected_v1,
    };
    expect(computeLoss("iopo", [swapped], opts()).loss).toBeCloseTo(computeLoss("iopo", [group], opts()).loss, 12);
  });
  it("iopo_output_only on a group equals dpo on its two DPO* pairs", () => {
    const pairs: Example[] = [
      { chosen: group.chosen_v1, rejected: group.rejected_v1 },
      { chosen: group.chosen_v2, rejected: group.rejected_v2 },
    ];
    expect(computeLoss("iopo_output_only", [group], opts()).loss).toBeCloseTo(
      computeLoss("dpo", pairs, opts()).loss,
      12,
    );
  });
  it("a zero-margin dpo pair costs log 2", () => {
    const p: Example = { chosen: seq(-3, -3, 2), rejected: seq(-4, -4, 2) };
    expect(computeLoss("dpo", [p], opts()).loss).toBeCloseTo(Math.LN2, 14);
  });
});

describe("analytic gradients == central finite differences", () => {
  const configs: Partial<LossOptions>[] = [
    {},
    { labelSmoothing: 0.15, beta: 0.7 },
    { lossType: "hinge", beta: 0.05 },
    { lossType: "ipo", beta: 0.3 },
    { prefFtx: 0.8 },
  ];
  const batch: Example[] = [
    { ...group, ...pair },
    {
      chosen: seq(-3.3, -2.9, 3),
      rejected: seq(-2.1, -2.4, 2),
      chosen_v1: seq(-3, -2, 2),
      rejected_v1: seq(-5, -6, 3),
      chosen_v2: seq(-4, -4.5, 2),
      rejected_v2: seq(-7, -6, 3),
    },
  ];
  for (const method of METHODS as readonly Method[]) {
    for (const cfg of configs) {
      if ((method === "simpo" || method === "orpo") && cfg.lossType === "ipo") continue;
      it(`${method} ${JSON.stringify(cfg)}`, () => {
        const o = opts(method === "simpo" ? { ...cfg, beta: 2 } : cfg);
        const out = computeLoss(method, batch, o);
        const h = 1e-5;
        batch.forEach((_ex, i) => {
          for (const name of METHOD_SEQUENCES[method]) {
            const bump = (delta: number) =>
              computeLoss(
                method,
                batch.map((e, j) => (j === i ? { ...e, [name]: { ...e[name]!, policy: e[name]!.policy + delta } } : e)),
                o,
              ).loss;
            const fd = (bump(h) - bump(-h)) / (2 * h);
            expect(out.grad[i][name]).toBeCloseTo(fd, 7);
          }
        });
      });
    }
  }
});
