import { describe, expect, it } from "vitest";
import {
  gae,
  groupAdvantages,
  klPerToken,
  nanStd,
  ppoTokenRewards,
  raggedVar,
  whiten,
} from "../../../src/train/online/advantages.js";
import { rng } from "../../engine/harness.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

/** GAE from its definition, A_t = sum_l (gamma lam)^l delta_{t+l} (an independent form of the recursion). */
function gaeBySum(r: number[], v: number[], gamma: number, lam: number): number[] {
  const n = r.length;
  const delta = r.map((x, t) => x + gamma * (t + 1 < n ? v[t + 1]! : 0) - v[t]!);
  return delta.map((_, t) => {
    let s = 0;
    for (let l = 0; t + l < n; l++) s += (gamma * lam) ** l * delta[t + l]!;
    return s;
  });
}

describe("GAE", () => {
  it("matches a hand computation", () => {
    // r = [0, 0, 1], V = [0.5, 0.2, 0.4], gamma 0.9, lam 0.8
    // delta2 = 1 - 0.4 = 0.6; delta1 = 0 + 0.9*0.4 - 0.2 = 0.16; delta0 = 0 + 0.9*0.2 - 0.5 = -0.32
    // A2 = 0.6; A1 = 0.16 + 0.72*0.6 = 0.592; A0 = -0.32 + 0.72*0.592 = 0.10624
    const { advantages, returns } = gae([0, 0, 1], [0.5, 0.2, 0.4], 0.9, 0.8);
    close(advantages, [0.10624, 0.592, 0.6]);
    close(returns, [0.60624, 0.792, 1.0]);
  });

  it("gamma = lam = 1 with zero values gives the reward-to-go (TRL's PPO defaults are gamma 1, lam 0.95)", () => {
    close(gae([1, 2, 3], [0, 0, 0], 1, 1).advantages, [6, 5, 3]);
  });

  it("equals the discounted sum of TD errors on random inputs", () => {
    const r = rng(3);
    for (let k = 0; k < 20; k++) {
      const n = 1 + Math.floor(r() * 12);
      const rewards = Array.from({ length: n }, () => r() * 2 - 1);
      const values = Array.from({ length: n }, () => r() * 2 - 1);
      const gamma = r();
      const lam = r();
      close(gae(rewards, values, gamma, lam).advantages, gaeBySum(rewards, values, gamma, lam), 1e-12);
    }
  });
});

describe("whitening (TRL masked_whiten over the tokens of a ragged batch)", () => {
  it("matches a hand computation with the unbiased variance", () => {
    // tokens [1, 2] and [3, 6]: mean 3, unbiased var (4 + 1 + 0 + 9) / 3 = 14/3
    const inv = 1 / Math.sqrt(14 / 3 + 1e-8);
    const w = whiten([
      [1, 2],
      [3, 6],
    ]);
    close(w[0]!, [-2 * inv, -1 * inv]);
    close(w[1]!, [0, 3 * inv]);
    const kept = whiten(
      [
        [1, 2],
        [3, 6],
      ],
      false,
    );
    close(kept[1]!, [3, 3 + 3 * inv]);
  });

  it("gives mean 0 and unbiased variance 1; refuses a single token", () => {
    const w = whiten([[0.3, 5, -2], [1], [7, 7]]);
    const flat = w.flatMap((x) => [...x]);
    expect(Math.abs(flat.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    expect(Math.abs(raggedVar(w) - 1)).toBeLessThan(1e-6);
    expect(() => whiten([[1]])).toThrow(/two tokens/);
  });
});

describe("KL estimators and PPO's per-token rewards", () => {
  it("k1 = log pi - log ref, k3 = (ref/pi - 1) - log(ref/pi)", () => {
    const logp = [-1, -2];
    const ref = [-1.5, -1];
    close(klPerToken(logp, ref, "k1"), [0.5, -1]);
    close(klPerToken(logp, ref, "k3"), [Math.exp(-0.5) - 1 + 0.5, Math.exp(1) - 1 - 1]);
  });

  it("non-score reward -kl_coef * kl on every token, the score added on the last", () => {
    const { rewards, nonScore } = ppoTokenRewards([0.5, -1, 2], 0.1, 3);
    close(nonScore, [-0.05, 0.1, -0.2]);
    close(rewards, [-0.05, 0.1, 2.8]);
  });
});

describe("GRPO group advantages", () => {
  it("group: (r - mean) / (std + 1e-4) per group of num_generations, with the Bessel-corrected std", () => {
    const r = [1, 0, 0, 1, 0.5, 0.5];
    const { advantages, stdZero } = groupAdvantages(r, 2, "group");
    const s = Math.sqrt(0.5); // std of {0, 1} with Bessel's correction
    close(advantages, [0.5 / (s + 1e-4), -0.5 / (s + 1e-4), -0.5 / (s + 1e-4), 0.5 / (s + 1e-4), 0, 0]);
    expect(stdZero).toEqual([false, false, false, false, true, true]);
  });

  it("batch scales by the batch std, none does not scale", () => {
    const r = [1, 0, 3, 1];
    const std = nanStd(r);
    close(groupAdvantages(r, 2, "batch").advantages, [
      0.5 / (std + 1e-4),
      -0.5 / (std + 1e-4),
      1 / (std + 1e-4),
      -1 / (std + 1e-4),
    ]);
    close(groupAdvantages(r, 2, "none").advantages, [0.5, -0.5, 1, -1]);
  });

  it("an unscorable completion (NaN) is left out of its group's statistics and gets advantage 0", () => {
    const { advantages } = groupAdvantages([1, Number.NaN, 0], 3, "none");
    close(advantages, [0.5, 0, -0.5]);
    expect(() => groupAdvantages([1, 2, 3], 2, "group")).toThrow(/groups of 2/);
  });
});
