import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../../src/engine/session.js";
import type { ModelConfig } from "../../../src/model/config.js";
import { createHeadsRunner, createHeadsTrainingStep } from "../../../src/model/decoder-heads.js";
import type { GenerateOptions, GenerateResult } from "../../../src/model/generate.js";
import { referenceHeads } from "../../../src/model/reference-decoder.js";
import type { Weights } from "../../../src/model/weights.js";
import { loadTrainConfig } from "../../../src/train/config.js";
import { GrpoAlgorithm } from "../../../src/train/online/grpo.js";
import { newTiming, type StepContext } from "../../../src/train/online/loop.js";
import { grpoGraphLoss, ppoGraphLoss } from "../../../src/train/online/losses.js";
import { PpoAlgorithm } from "../../../src/train/online/ppo.js";
import type { NamedReward } from "../../../src/train/online/rewards.js";
import type { EncodedPrompt, Sampler } from "../../../src/train/online/rollout.js";
import { rng } from "../../engine/harness.js";
import { randomIds, randomWeights, tinyConfig } from "../../model/decoder-fixtures.js";

/**
 * One PPO / GRPO step of the real algorithms (rollout -> advantages -> update) on fixed rollouts, against the
 * policy-gradient estimate computed independently here from the float64 reference decoder: with one epoch, no
 * clipping active and zero KL, the step's gradient must be -sum_t w_t A_t grad log pi(y_t) (plus, for PPO with
 * vf_coef > 0, the value loss's gradient), checked by central differences of the reference objective.
 */
afterAll(releaseSessions);

const cfgModel: ModelConfig = tinyConfig("qwen2", true);
const EOS = 3;
const T = 0.8;

function weightsWithValueHead(seed: number): Weights {
  const w = randomWeights(cfgModel, seed);
  const r = rng(seed + 1);
  const D = cfgModel.hidden_size;
  w.set("v_head.summary.weight", { shape: [1, D], data: Float32Array.from({ length: D }, () => (r() * 2 - 1) * 0.3) });
  w.set("v_head.summary.bias", { shape: [1], data: Float32Array.of(0.1) });
  return w;
}

/**
 * A sampler that returns fixed completions (some ending with EOS, some truncated): the k-th copy of prompt p in a
 * batch (rows are consecutive copies of each prompt, in the data plan's order) gets completions[p][k].
 */
function fixedSampler(ps: EncodedPrompt[], completions: Int32Array[][], stops: (number | undefined)[][]): Sampler {
  return {
    async generateDetailed(prompts: Int32Array[], _o: GenerateOptions): Promise<GenerateResult> {
      const tokens: Int32Array[] = [];
      const out: (number | undefined)[] = [];
      let k = 0;
      prompts.forEach((ids, i) => {
        k = i > 0 && ids === prompts[i - 1] ? k + 1 : 0;
        const p = ps.findIndex((x) => x.ids === ids);
        tokens.push(completions[p]![k]!);
        out.push(stops[p]![k]);
      });
      return { tokens, stops: out };
    },
  };
}

/** The prompt index of a reward input (prompts are named p0, p1, ...). */
const promptIndex = (x: { prompt: { content: string }[] }) => Number(x.prompt[0]!.content.slice(1));

function prompts(n: number, seed: number): EncodedPrompt[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    row: { prompt: [{ role: "user", content: `p${i}` }], record: {}, source: { file: "t", line: i + 1 } },
    ids: randomIds(r, 3 + i, cfgModel.vocab_size),
    cut: false,
  }));
}

/** Sequences of the rollout: prompt ids, then sampled ids and the EOS when there is one. */
function sequences(ps: EncodedPrompt[], comps: Int32Array[][], stops: (number | undefined)[][]) {
  const out: { ids: Int32Array; rs: number; prompt: number }[] = [];
  ps.forEach((p, i) => {
    comps[i]!.forEach((c, k) => {
      const resp = stops[i]![k] === undefined ? [...c] : [...c, stops[i]![k]!];
      out.push({ ids: Int32Array.from([...p.ids, ...resp]), rs: p.ids.length, prompt: i });
    });
  });
  return out;
}

/** Capture the optimizer step's gradients instead of applying them. */
function capture(): { ctx: StepContext; grads: Map<string, Float32Array>[] } {
  const grads: Map<string, Float32Array>[] = [];
  return {
    grads,
    ctx: {
      lr: 0,
      timing: newTiming(),
      optimize: (g) => {
        grads.push(new Map([...g].map(([k, v]) => [k, Float32Array.from(v)])));
        return 0;
      },
    },
  };
}

function checkAgainstFd(
  weights: Weights,
  grads: Map<string, Float32Array>,
  objective: (w: Weights) => number,
  names: string[],
) {
  const r = rng(99);
  const h = 1e-3;
  for (const name of names) {
    const g = grads.get(name)!;
    const t = weights.get(name)!;
    let arg = 0;
    let scale = 0;
    for (let i = 0; i < g.length; i++) {
      scale = Math.max(scale, Math.abs(g[i]!));
      if (Math.abs(g[i]!) > Math.abs(g[arg]!)) arg = i;
    }
    expect(scale, `${name} has a gradient`).toBeGreaterThan(0);
    for (const i of [arg, Math.floor(r() * g.length), Math.floor(r() * g.length)]) {
      const at = (delta: number) => {
        const w2: Weights = new Map(weights);
        const d = Float64Array.from(t.data);
        d[i]! += delta;
        w2.set(name, { shape: t.shape, data: d as unknown as Float32Array });
        return objective(w2);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(g[i]! - fd), `${name}[${i}] engine ${g[i]} reference ${fd}`).toBeLessThan(2e-3 * scale + 1e-5);
    }
  }
}

const PARAMS = [
  "model.embed_tokens.weight",
  "model.layers.0.self_attn.q_proj.weight",
  "model.layers.1.mlp.down_proj.weight",
  "model.norm.weight",
];

function baseArgs(method: string, extra: string[]) {
  return loadTrainConfig(undefined, [
    "--model_name_or_path",
    "unused",
    "--dataset",
    "unused",
    "--output_dir",
    "unused",
    "--method",
    method,
    "--temperature",
    String(T),
    "--max_completion_length",
    "5",
    "--max_steps",
    "1",
    "--finetuning_type",
    "full",
    ...extra,
  ]);
}

describe("one PPO step == the policy-gradient estimate of the reference on the same rollouts", () => {
  const weights = weightsWithValueHead(5);
  const ps = prompts(4, 7);
  const r = rng(9);
  const comps = ps.map(() => [randomIds(r, 2 + Math.floor(r() * 3), cfgModel.vocab_size)]);
  const stops = ps.map((_, i) => [i % 2 === 0 ? EOS : undefined]);
  const scores = [0.7, -0.3, 1.2, 0.1];
  const reward: NamedReward = { name: "rm", fn: (inputs) => inputs.map((x) => scores[promptIndex(x)]!) };
  const seqs = sequences(ps, comps, stops);

  async function ppoStep(vfCoef: number, klCoef: number) {
    const cfg = baseArgs("ppo", [
      "--reward_model_path",
      "unused",
      "--per_device_train_batch_size",
      "4",
      "--gradient_accumulation_steps",
      "1",
      "--num_ppo_epochs",
      "1",
      "--num_mini_batches",
      "1",
      "--kl_coef",
      String(klCoef),
      "--cliprange",
      "1000",
      "--cliprange_value",
      "1000",
      "--vf_coef",
      String(vfCoef),
      "--gamma",
      "0.9",
      "--lam",
      "0.8",
    ]);
    const step = await createHeadsTrainingStep(cfgModel, {
      logp: true,
      entropy: true,
      values: true,
      temperature: T,
      trainable: () => true,
      threads: 2,
      loss: ppoGraphLoss({ cliprange: cfg.cliprange, cliprangeValue: cfg.cliprange_value, vfCoef: cfg.vf_coef }),
    });
    const policyRunner = await createHeadsRunner(cfgModel, { logp: true, values: true, temperature: T, threads: 2 });
    const refRunner = await createHeadsRunner(cfgModel, { logp: true, temperature: T, threads: 2 });
    // the reference policy: a perturbed copy, so that the KL term is not zero when kl_coef > 0
    const refWeights: Weights = new Map(weights);
    const emb = weights.get("model.embed_tokens.weight")!;
    refWeights.set("model.embed_tokens.weight", {
      shape: emb.shape,
      data: emb.data.map((v, i) => v + 0.02 * Math.sin(i)),
    });
    const algo = new PpoAlgorithm({
      cfg,
      train: ps,
      eval: [],
      reward,
      sampler: async () => fixedSampler(ps, comps, stops),
      step,
      weights: () => weights,
      policyRunner,
      reference: { runner: refRunner, weights: refWeights },
      eosTokenIds: [EOS],
      decode: (ids) => [...ids].join(","),
    });
    const { ctx, grads } = capture();
    const res = await algo.step(0, ctx);
    expect(grads.length).toBe(1); // one epoch x one mini-batch = one optimizer step
    return { cfg, res, grads: grads[0]!, refWeights };
  }

  /** TRL PPO on the reference decoder, written out: rewards, GAE, whitening, then the loss without clipping. */
  function referenceObjective(cfg: ReturnType<typeof baseArgs>, refWeights: Weights): (w: Weights) => number {
    const at0 = seqs.map((s) => referenceHeads(cfgModel, weights, s.ids, s.rs, T));
    const ref = seqs.map((s) => referenceHeads(cfgModel, refWeights, s.ids, s.rs, T));
    const adv: number[][] = [];
    const ret: number[][] = [];
    seqs.forEach((_, i) => {
      const n = at0[i]!.logp.length;
      const score = scores[seqs[i]!.prompt]!;
      const rewards = at0[i]!.logp.map((lp, t) => -cfg.kl_coef * (lp - ref[i]!.logp[t]!) + (t === n - 1 ? score : 0));
      const v = at0[i]!.values!;
      const a = new Array<number>(n).fill(0);
      let last = 0;
      for (let t = n - 1; t >= 0; t--) {
        last = rewards[t]! + cfg.gamma * (t + 1 < n ? v[t + 1]! : 0) - v[t]! + cfg.gamma * cfg.lam * last;
        a[t] = last;
      }
      adv.push(a);
      ret.push(a.map((x, t) => x + v[t]!));
    });
    const flat = adv.flat();
    const mean = flat.reduce((p, q) => p + q, 0) / flat.length;
    const v = flat.reduce((p, q) => p + (q - mean) ** 2, 0) / (flat.length - 1);
    const white = adv.map((a) => a.map((x) => (x - mean) / Math.sqrt(v + 1e-8)));
    const N = flat.length;
    return (w) => {
      let pg = 0;
      let vf = 0;
      seqs.forEach((s, i) => {
        const h = referenceHeads(cfgModel, w, s.ids, s.rs, T);
        h.logp.forEach((lp, t) => {
          pg += -white[i]![t]! * Math.exp(lp - at0[i]!.logp[t]!);
          vf += 0.5 * (h.values![t]! - ret[i]![t]!) ** 2;
        });
      });
      return pg / N + cfg.vf_coef * (vf / N);
    };
  }

  it("vf_coef 0, kl_coef 0: the policy gradient alone", async () => {
    const { cfg, grads, refWeights } = await ppoStep(0, 0);
    const f = referenceObjective(cfg, refWeights);
    checkAgainstFd(weights, grads, f, PARAMS);
    for (const v of grads.get("v_head.summary.weight")!) expect(v).toBe(0);
  });

  it("vf_coef 0.5, kl_coef 0.1: the KL-penalised rewards and the value loss through the value head", async () => {
    const { cfg, grads, refWeights, res } = await ppoStep(0.5, 0.1);
    expect(res.metrics["objective/kl"]).not.toBe(0);
    const f = referenceObjective(cfg, refWeights);
    checkAgainstFd(weights, grads, f, [...PARAMS, "v_head.summary.weight", "v_head.summary.bias"]);
  });
});

describe("one GRPO step == the policy-gradient estimate of the reference on the same rollouts", () => {
  const weights = randomWeights(cfgModel, 15);
  const ps = prompts(2, 17);
  const r = rng(19);
  const G = 3;
  const comps = ps.map(() =>
    Array.from({ length: G }, () => randomIds(r, 1 + Math.floor(r() * 4), cfgModel.vocab_size)),
  );
  const stops = ps.map(() => Array.from({ length: G }, (_, k) => (k === 1 ? undefined : EOS)));
  const rewards = [1, 0, 0.5, 0.2, 0.9, 0.2]; // [prompt * G + k]
  const seqs = sequences(ps, comps, stops);
  const byText = new Map(comps.flatMap((cs, p) => cs.map((c, k) => [[...c].join(","), rewards[p * G + k]!] as const)));
  const reward: NamedReward = { name: "stub", fn: (inputs) => inputs.map((x) => byText.get(x.completion)!) };

  for (const lossType of ["grpo", "dapo", "dr_grpo"] as const) {
    it(`loss_type ${lossType}, scale_rewards group, one iteration (ratio 1, detached)`, async () => {
      const cfg = baseArgs("grpo", [
        "--reward_funcs",
        "stub",
        "--num_generations",
        String(G),
        "--per_device_train_batch_size",
        String(G * 2),
        "--gradient_accumulation_steps",
        "1",
        "--epsilon",
        "1000",
        "--loss_type",
        lossType,
      ]);
      const step = await createHeadsTrainingStep(cfgModel, {
        logp: true,
        entropy: true,
        temperature: T,
        trainable: () => true,
        threads: 2,
        loss: grpoGraphLoss({ epsilonLow: 1000, epsilonHigh: 1000, beta: 0, oldLogp: "detached" }),
      });
      const algo = new GrpoAlgorithm({
        cfg,
        train: ps,
        eval: [],
        rewards: [reward],
        sampler: async () => fixedSampler(ps, comps, stops),
        step,
        weights: () => weights,
        eosTokenIds: [EOS],
        decode: (ids) => [...ids].join(","),
      });
      const { ctx, grads } = capture();
      const res = await algo.step(0, ctx);
      expect(res.metrics.reward).toBeCloseTo(rewards.reduce((a, b) => a + b, 0) / rewards.length, 10);
      // group-normalised advantages, written out: (r - mean) / (Bessel std + 1e-4) within each prompt's group
      const adv = new Map<number, number[]>();
      ps.forEach((_, p) => {
        const g = rewards.slice(p * G, (p + 1) * G);
        const m = g.reduce((a, b) => a + b, 0) / G;
        const sd = Math.sqrt(g.reduce((a, b) => a + (b - m) ** 2, 0) / (G - 1));
        adv.set(
          p,
          g.map((x) => (x - m) / (sd + 1e-4)),
        );
      });
      const lens = seqs.map((s) => s.ids.length - s.rs);
      const total = lens.reduce((a, b) => a + b, 0);
      const weightOf = (i: number) =>
        lossType === "grpo" ? 1 / (lens[i]! * seqs.length) : lossType === "dapo" ? 1 / total : 1 / (seqs.length * 5);
      const f = (w: Weights) => {
        let J = 0;
        seqs.forEach((s, i) => {
          const a = adv.get(s.prompt)![i - s.prompt * G]!;
          const h = referenceHeads(cfgModel, w, s.ids, s.rs, T);
          for (const lp of h.logp) J += -weightOf(i) * a * lp;
        });
        return J;
      };
      checkAgainstFd(weights, grads[0]!, f, PARAMS);
    });
  }
});
