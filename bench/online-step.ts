/**
 * One PPO step and one GRPO step (rollout + update) of the online trainers at the bench shapes, against the batched
 * KV-cache generation `iopo generate` runs (batch 16, its default), measured in the same process:
 *
 *   npx tsx bench/online-step.ts [--shapes tiny,small] [--prompt 64] [--new 64] [--threads 2] [--ppo-epochs 1]
 *
 * Workload (random weights, random prompt tokens, no EOS so every completion has `--new` tokens):
 *   generate  16 prompts (`iopo generate`'s default batch), greedy, `--new` tokens each: tokens/s of its path; and
 *             the same at 8 rows, the rollouts' batch (generation tokens/s grows with the batch)
 *   ppo       8 prompts (per_device 4 x accumulation 2), 1 completion each at temperature 0.7; policy + value forward,
 *             reference forward, a reward-model forward (score head on the same shape), GAE; `--ppo-epochs` epochs of
 *             one mini-batch (TRL's default is 4 epochs; the update time scales with it)
 *   grpo      1 prompt x 8 completions (num_generations 8, per_device 4 x accumulation 2), temperature 1, beta 0,
 *             one optimizer step (old log-probs are the current ones detached: no extra forward)
 * Each step runs once to warm up (ORT sessions are created on first use) and is timed the second time. Printed per
 * step: generation (rollout tokens/s and its ratio to generate's at batch 16), scoring, update, total.
 */
import { createHeadsRunner, createHeadsTrainingStep } from "../src/model/decoder-heads.js";
import { createGenerator } from "../src/model/generate.js";
import type { Weights } from "../src/model/weights.js";
import { AdamW } from "../src/train/adamw.js";
import { loadTrainConfig } from "../src/train/config.js";
import { GrpoAlgorithm } from "../src/train/online/grpo.js";
import { newTiming, type StepContext, type Timing } from "../src/train/online/loop.js";
import { grpoGraphLoss, ppoGraphLoss } from "../src/train/online/losses.js";
import { PpoAlgorithm } from "../src/train/online/ppo.js";
import type { NamedReward } from "../src/train/online/rewards.js";
import type { EncodedPrompt } from "../src/train/online/rollout.js";
import { arg, configOf, randomWeights, uniform } from "./workload.js";

const shapes = arg("shapes", "tiny,small").split(",");
const P = Number(arg("prompt", "64"));
const NEW = Number(arg("new", "64"));
const threads = Number(arg("threads", "2"));
const ppoEpochs = Number(arg("ppo-epochs", "1"));
const engine = { threads };

function prompts(n: number, vocab: number, seed: number): EncodedPrompt[] {
  const rand = uniform(seed);
  return Array.from({ length: n }, (_, i) => {
    const ids = Int32Array.from({ length: P }, () => Math.floor(((rand() + 1) / 2) * vocab) % vocab);
    return {
      row: { prompt: [{ role: "user", content: `p${i}` }], record: { ids }, source: { file: "bench", line: i } },
      ids,
      cut: false,
    };
  });
}

function config(method: "ppo" | "grpo") {
  return loadTrainConfig(undefined, [
    "--model_name_or_path",
    "bench",
    "--dataset",
    "bench",
    "--output_dir",
    "bench",
    "--method",
    method,
    "--finetuning_type",
    "full",
    "--per_device_train_batch_size",
    "4",
    "--gradient_accumulation_steps",
    "2",
    "--max_completion_length",
    String(NEW),
    "--max_steps",
    "2",
    ...(method === "ppo"
      ? ["--reward_model_path", "bench", "--num_ppo_epochs", String(ppoEpochs)]
      : ["--reward_funcs", "bench", "--num_generations", "8"]),
  ]);
}

function stepContext(timing: Timing, weights: Weights): StepContext {
  const opt = new AdamW({ lr: 1e-6, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const params = new Map([...weights].map(([k, t]) => [k, t.data]));
  return {
    lr: 1e-6,
    timing,
    optimize: (g) => {
      opt.update(params, g, 1e-6);
      return 0;
    },
  };
}

const fmt = (s: number) => `${s.toFixed(2)} s`;

async function main() {
  console.log(`online steps: prompt ${P} tokens, ${NEW} new tokens, ${threads} threads, PPO epochs ${ppoEpochs}`);
  console.log("shape | step | generation (tok/s, vs generate) | scoring | update | total");
  for (const shape of shapes) {
    const cfg = configOf(shape);
    const weights = randomWeights(cfg);
    weights.set("v_head.summary.weight", { shape: [1, cfg.hidden_size], data: new Float32Array(cfg.hidden_size) });
    weights.set("v_head.summary.bias", { shape: [1], data: new Float32Array(1) });
    const ref: Weights = new Map(
      [...weights].map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]),
    );
    const gen = await createGenerator(cfg, weights, engine);

    // `iopo generate`'s batched path (batch 16, its default) and the same at the rollouts' 8 rows; greedy, no EOS,
    // each timed after one warm-up call of the same shape
    const timeGenerate = async (rows: number) => {
      const gp = prompts(rows, cfg.vocab_size, 1).map((p) => p.ids);
      await gen.generate(gp, { max_new_tokens: NEW, eos_token_ids: [] });
      const g0 = performance.now();
      const out = await gen.generate(gp, { max_new_tokens: NEW, eos_token_ids: [] });
      const seconds = (performance.now() - g0) / 1000;
      const rate = out.reduce((a, t) => a + t.length, 0) / seconds;
      console.log(
        `${shape} | generate (batch ${rows}) | ${fmt(seconds)} (${Math.round(rate)} tok/s) | - | - | ${fmt(seconds)}`,
      );
      return rate;
    };
    const genRate = await timeGenerate(16);
    await timeGenerate(8);

    // a reward model on the same shape: the score head on prompt + completion (the bench's texts are token lists)
    const rmWeights: Weights = new Map(ref);
    rmWeights.set("score.weight", { shape: [1, cfg.hidden_size], data: new Float32Array(cfg.hidden_size).fill(0.01) });
    const rmRunner = await createHeadsRunner(cfg, { ...engine, score: true });
    const rm: NamedReward = {
      name: "bench",
      fn: async (xs) => {
        const ids = xs.map((x) => {
          const comp = x.completion === "" ? [] : x.completion.split(",").map(Number);
          return Int32Array.from([...(x.record.ids as Int32Array), ...comp]);
        });
        return Array.from((await rmRunner.run(rmWeights, { ids, responseStart: ids.map(() => P) })).score!);
      },
    };
    const decode = (ids: Int32Array) => [...ids].join(",");

    for (const method of ["ppo", "grpo"] as const) {
      const c = config(method);
      const T = c.temperature!;
      const step = await createHeadsTrainingStep(cfg, {
        ...engine,
        logp: true,
        entropy: true,
        values: method === "ppo",
        temperature: T,
        trainable: () => true,
        loss:
          method === "ppo"
            ? ppoGraphLoss({ cliprange: c.cliprange, cliprangeValue: c.cliprange_value, vfCoef: c.vf_coef })
            : grpoGraphLoss({ epsilonLow: c.epsilon, epsilonHigh: c.epsilon, beta: 0, oldLogp: "detached" }),
      });
      const common = {
        cfg: c,
        eval: [],
        sampler: async () => gen,
        step,
        weights: () => weights,
        eosTokenIds: [] as number[],
        decode,
      };
      const timing = newTiming();
      let t0 = performance.now();
      if (method === "ppo") {
        const algo = new PpoAlgorithm({
          ...common,
          train: prompts(8, cfg.vocab_size, 2),
          reward: rm,
          policyRunner: await createHeadsRunner(cfg, { ...engine, logp: true, values: true, temperature: T }),
          reference: { runner: await createHeadsRunner(cfg, { ...engine, logp: true, temperature: T }), weights: ref },
        });
        await algo.step(0, stepContext(newTiming(), weights)); // warm-up: sessions are created on first use
        t0 = performance.now();
        await algo.step(1, stepContext(timing, weights));
      } else {
        const algo = new GrpoAlgorithm({ ...common, train: prompts(1, cfg.vocab_size, 3), rewards: [rm] });
        await algo.step(0, stepContext(newTiming(), weights));
        t0 = performance.now();
        await algo.step(1, stepContext(timing, weights));
      }
      const total = (performance.now() - t0) / 1000;
      const rate = timing.generated_tokens / timing.generation_s;
      console.log(
        `${shape} | ${method} step | ${fmt(timing.generation_s)} (${Math.round(rate)} tok/s, ${(rate / genRate).toFixed(2)}x) | ` +
          `${fmt(timing.scoring_s)} | ${fmt(timing.update_s)} | ${fmt(total)}`,
      );
    }
  }
}

await main();
