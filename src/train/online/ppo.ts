import type { HeadsRunner, HeadsTrainingStep } from "../../model/decoder-heads.js";
import type { Weights } from "../../model/weights.js";
import { mixSeeds, permutation } from "../../util/random.js";
import type { TrainConfig } from "../config.js";
import type { DataPlan } from "../plan.js";
import { rng } from "../rng.js";
import { gae, type KlEstimator, klPerToken, ppoTokenRewards, whiten } from "./advantages.js";
import { rewardInput } from "./grpo.js";
import type { OnlineAlgorithm, OnlineStepResult, StepContext } from "./loop.js";
import { timed } from "./loop.js";
import { meanTokenWeights, ppoLoss } from "./losses.js";
import { rolloutPlan } from "./plan.js";
import type { NamedReward } from "./rewards.js";
import { type Completion, completionSequence, type EncodedPrompt, type Sampler, sampleCompletions } from "./rollout.js";

/**
 * PPO with a learned reward, TRL PPOTrainer's semantics (the "PPOv2" trainer, trl/experimental/ppo/ppo_trainer.py;
 * Ziegler et al. 2019, Huang et al. "The N+ implementation details of RLHF with PPO"), as the paper's baseline:
 * - a step (TRL's `update`, one global_step) samples one completion for each of per_device_train_batch_size x
 *   gradient_accumulation_steps prompts at `temperature`, scores it with the frozen reward model
 *   (`reward_model_path`; minus `missing_eos_penalty` when it has no EOS), and computes per token the log-probs
 *   under the policy and the frozen reference (at the sampling temperature), and the value head;
 * - reward per token: -kl_coef * KL estimate (`kl_estimator` k1 or k3), plus the score on the last token;
 *   `whiten_rewards` optional; GAE (`gamma`, `lam`), returns = advantages + values, advantages whitened over the batch;
 * - `num_ppo_epochs` passes over the batch in a fresh random order, each in `num_mini_batches` mini-batches; each
 *   mini-batch is one optimizer step, accumulated over micro-batches of per_device_train_batch_size; the loss is
 *   pg + vf_coef * vf (losses.ts `ppoLoss`, clipped with `cliprange` and `cliprange_value`);
 * - the learning rate is scheduled per step (TRL steps its scheduler once per update).
 * Metrics under TRL's names: objective/kl, objective/entropy, objective/non_score_reward, objective/rlhf_reward,
 * objective/scores, policy/approxkl_avg, policy/clipfrac_avg, loss/policy_avg, loss/value_avg, val/clipfrac_avg,
 * policy/entropy_avg, val/ratio, val/ratio_var, val/num_eos_tokens, eps, lr, episode.
 * Differences from TRL, on purpose: generation always stops at the model's EOS (TRL's `stop_token: eos`); the score
 * sits on the last completion token (see advantages.ts `ppoTokenRewards`); the value head shares the policy's trunk
 * (model.ts); each mini-batch is one optimizer step (TRL's accelerate accumulation steps the optimizer every
 * gradient_accumulation_steps micro-batches, which spans mini-batches when num_mini_batches > 1); token statistics
 * average over completion tokens only (TRL's approxkl, ratio and objective/entropy also count padded positions).
 */
export interface PpoDeps {
  cfg: TrainConfig;
  train: EncodedPrompt[];
  eval: EncodedPrompt[];
  /** the frozen reward model as a reward function on (prompt, completion) */
  reward: NamedReward;
  sampler(): Promise<Sampler>;
  /** logp + values + entropy heads, loss ppoGraphLoss */
  step: Pick<HeadsTrainingStep, "run">;
  weights: () => Weights;
  /** per-token log-probs and values under the current policy */
  policyRunner: HeadsRunner;
  /** per-token log-probs under the frozen reference */
  reference: { runner: HeadsRunner; weights: Weights };
  eosTokenIds: number[];
  decode: (ids: Int32Array) => string;
  dropoutSeed?: number;
}

const ROLLOUT_STREAM = 13;
const SHUFFLE_STREAM = 14;

export class PpoAlgorithm implements OnlineAlgorithm {
  readonly totalSteps: number;
  private readonly plan: DataPlan;
  /** this invocation's first step and its start (TRL's `eps`: episodes per second of the run) */
  private first: { step: number; t0: number } | undefined;

  constructor(private readonly d: PpoDeps) {
    const p = rolloutPlan(d.cfg, d.train.length);
    this.plan = p.plan;
    this.totalSteps = p.totalSteps;
  }

  epochAfter(done: number): number {
    return this.plan.epochAfter(done);
  }

  episodesAfter(done: number): number {
    let n = 0;
    for (let s = 0; s < done; s++) n += this.plan.microBatches(s)[0]!.length;
    return n;
  }

  rolloutSeed(step: number): number {
    return mixSeeds(this.d.cfg.seed, ROLLOUT_STREAM, step);
  }

  async step(step: number, ctx: StepContext): Promise<OnlineStepResult> {
    const c = this.d.cfg;
    this.first ??= { step, t0: performance.now() };
    const prompts = this.plan.microBatches(step)[0]!;
    const sampler = await this.d.sampler();
    const completions = await timed(ctx.timing, "generation_s", () =>
      sampleCompletions(
        sampler,
        prompts.map((i) => this.d.train[i]!),
        {
          perPrompt: 1,
          maxNewTokens: c.max_completion_length!,
          temperature: c.temperature!,
          topP: c.top_p,
          seed: this.rolloutSeed(step),
          eosTokenIds: this.d.eosTokenIds,
          decode: this.d.decode,
        },
      ),
    );
    ctx.timing.generated_tokens += completions.reduce((a, x) => a + x.ids.length, 0);
    const seqs = completions.map(completionSequence);
    const batch = { ids: seqs.map((s) => s.ids), responseStart: seqs.map((s) => s.responseStart) };
    const r = await timed(ctx.timing, "scoring_s", () => this.score(completions, batch));

    // ---- num_ppo_epochs x num_mini_batches optimizer steps
    const B = completions.length;
    const miniSize = Math.ceil(B / c.num_mini_batches);
    const acc = { pg: [] as number[], vf: [] as number[], pgClip: [] as number[], vfClip: [] as number[] };
    const more = { kl: [] as number[], ratio: [] as number[], entropy: [] as number[] };
    const losses: number[] = [];
    const norms: number[] = [];
    let tokens = 0;
    await timed(ctx.timing, "update_s", async () => {
      for (let epoch = 0; epoch < c.num_ppo_epochs; epoch++) {
        const order = permutation(B, rng(c.seed, SHUFFLE_STREAM, step, epoch));
        for (let m0 = 0; m0 < B; m0 += miniSize) {
          const mini = order.slice(m0, m0 + miniSize);
          const micro: number[][] = [];
          for (let i = 0; i < mini.length; i += c.per_device_train_batch_size)
            micro.push(mini.slice(i, i + c.per_device_train_batch_size));
          const weights = meanTokenWeights(micro.map((mb) => mb.map((i) => completions[i]!.ids.length)));
          const grads = new Map<string, Float32Array>();
          let loss = 0;
          for (const [k, mb] of micro.entries()) {
            const out = await this.d.step.run(this.d.weights(), {
              ids: mb.map((i) => batch.ids[i]!),
              responseStart: mb.map((i) => batch.responseStart[i]!),
              tokenInputs: {
                old_logp: mb.map((i) => r.logp[i]!),
                advantages: mb.map((i) => r.advantages[i]!),
                returns: mb.map((i) => r.returns[i]!),
                old_values: mb.map((i) => r.values[i]!),
                weight: mb.map((i, j) => new Array(completions[i]!.ids.length).fill(weights[k]![j]!)),
              },
              dropout:
                this.d.dropoutSeed === undefined
                  ? undefined
                  : { seed: this.d.dropoutSeed, step: (step * c.num_ppo_epochs + epoch) * c.num_mini_batches + m0 },
            });
            for (const [name, g] of out.grads) {
              const a = grads.get(name);
              if (!a) grads.set(name, Float32Array.from(g));
              else for (let i = 0; i < a.length; i++) a[i] += g[i]!;
            }
            const s = ppoLoss(
              {
                logp: out.logp!,
                oldLogp: mb.map((i) => r.logp[i]!),
                advantages: mb.map((i) => r.advantages[i]!),
                values: out.values!,
                oldValues: mb.map((i) => r.values[i]!),
                returns: mb.map((i) => r.returns[i]!),
              },
              { cliprange: c.cliprange, cliprangeValue: c.cliprange_value, vfCoef: c.vf_coef },
            );
            const share = 1 / micro.length;
            if (
              Number.isFinite(out.loss) &&
              Math.abs(out.loss - share * s.loss) > 1e-3 * (1 + Math.abs(share * s.loss))
            )
              throw new Error(`engine PPO loss ${out.loss} disagrees with the scalar loss ${share * s.loss}`);
            loss += out.loss;
            acc.pg.push(s.pgLoss);
            acc.vf.push(s.vfLoss);
            acc.pgClip.push(s.pgClipfrac);
            acc.vfClip.push(s.vfClipfrac);
            more.kl.push(s.approxkl);
            more.ratio.push(s.ratio);
            const ent = out.entropy!.flatMap((e) => [...e]);
            more.entropy.push(ent.reduce((a, b) => a + b, 0) / Math.max(ent.length, 1));
            tokens += mb.reduce((a, i) => a + batch.ids[i]!.length, 0);
          }
          if (!Number.isFinite(loss)) return;
          losses.push(loss);
          norms.push(ctx.optimize(grads));
        }
      }
    });
    const elapsed = (performance.now() - this.first.t0) / 1000;
    const episodes = this.episodesAfter(step + 1) - this.episodesAfter(this.first.step);
    const metrics: Record<string, number> = {
      ...r.metrics,
      "policy/approxkl_avg": mean(more.kl),
      "policy/clipfrac_avg": mean(acc.pgClip),
      "loss/policy_avg": mean(acc.pg),
      "loss/value_avg": mean(acc.vf),
      "val/clipfrac_avg": mean(acc.vfClip),
      "policy/entropy_avg": mean(more.entropy),
      "val/ratio": mean(more.ratio),
      eps: Math.floor(episodes / Math.max(elapsed, 1e-9)),
    };
    if (more.ratio.length > 1) metrics["val/ratio_var"] = variance(more.ratio);
    const logged = completions.map((x, i) => ({
      prompt: x.prompt.row.prompt,
      completion: x.text,
      score: r.scores[i],
      kl: r.klSums[i],
      non_score_reward: r.nonScoreSums[i],
      truncated: x.truncated,
    }));
    return {
      loss: losses.length === norms.length && losses.length > 0 ? mean(losses) : Number.NaN,
      gradNorm: norms.length ? mean(norms) : Number.NaN,
      metrics,
      tokens,
      rolloutTokens: batch.ids.reduce((a, ids) => a + ids.length, 0),
      completions: logged,
    };
  }

  /** Old log-probs and values, reference log-probs, scores; then rewards, GAE and whitened advantages. */
  private async score(completions: Completion[], batch: { ids: Int32Array[]; responseStart: number[] }) {
    const c = this.d.cfg;
    const pol = await this.d.policyRunner.run(this.d.weights(), batch);
    const ref = await this.d.reference.runner.run(this.d.reference.weights, batch);
    const raw = await this.d.reward.fn(completions.map(rewardInput));
    const scores = raw.map((v, i) => {
      if (v === null || !Number.isFinite(v)) throw new Error(`the reward model gave no score for completion ${i}`);
      return completions[i]!.truncated && c.missing_eos_penalty !== undefined ? v - c.missing_eos_penalty : v;
    });
    const logp = pol.logp!;
    const values = pol.values!;
    const kl = logp.map((lp, i) => klPerToken(lp, ref.logp![i]!, c.kl_estimator as KlEstimator));
    const perToken = kl.map((k, i) => ppoTokenRewards(k, c.kl_coef, scores[i]!));
    let rewards: ArrayLike<number>[] = perToken.map((p) => p.rewards);
    if (c.whiten_rewards) rewards = whiten(rewards, false);
    const g = rewards.map((rw, i) => gae(rw, values[i]!, c.gamma, c.lam));
    const advantages = whiten(g.map((x) => x.advantages));
    const returns = g.map((x) => x.returns);
    const klSums = kl.map((k) => sum(k));
    const nonScoreSums = perToken.map((p) => sum(p.nonScore));
    const meanScore = mean(scores);
    const metrics: Record<string, number> = {
      "objective/kl": mean(klSums),
      "objective/entropy": mean(logp.map((lp) => -sum(lp))),
      "objective/non_score_reward": mean(nonScoreSums),
      "objective/rlhf_reward": mean(nonScoreSums) + meanScore,
      "objective/scores": meanScore,
      "val/num_eos_tokens": completions.filter((x) => !x.truncated).length,
    };
    return { logp, values, advantages, returns, scores, klSums, nonScoreSums, metrics };
  }

  async evaluate(): Promise<Record<string, number> | undefined> {
    if (this.d.eval.length === 0) return undefined;
    const sampler = await this.d.sampler();
    const completions = await sampleCompletions(sampler, this.d.eval, {
      perPrompt: 1,
      maxNewTokens: this.d.cfg.max_completion_length!,
      temperature: 0,
      topP: 1,
      seed: 0,
      eosTokenIds: this.d.eosTokenIds,
      decode: this.d.decode,
    });
    const raw = await this.d.reward.fn(completions.map(rewardInput));
    return {
      "objective/scores": mean(raw.map((v) => v ?? Number.NaN)),
      "completions/mean_length": mean(completions.map((x) => x.ids.length)),
    };
  }
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** torch's `.var()` (unbiased). */
function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}
