import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HeadsRunner, HeadsTrainingStep } from "../../model/decoder-heads.js";
import type { Weights } from "../../model/weights.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { mixSeeds } from "../../util/random.js";
import type { TrainConfig } from "../config.js";
import type { DataPlan } from "../plan.js";
import { groupAdvantages, nanMean, nanStd } from "./advantages.js";
import type { OnlineAlgorithm, OnlineStepResult, StepContext, Timing } from "./loop.js";
import { timed } from "./loop.js";
import { type GrpoLossType, grpoTokenTerms, grpoTokenWeights } from "./losses.js";
import { rolloutPlan } from "./plan.js";
import type { NamedReward, RewardInput } from "./rewards.js";
import { rewardMetrics, scoreRewards } from "./rewards.js";
import { type Completion, completionSequence, type EncodedPrompt, type Sampler, sampleCompletions } from "./rollout.js";

/**
 * GRPO (Shao et al. 2024) with TRL GRPOTrainer's semantics (trl/trainer/grpo_trainer.py, grpo_config.py):
 * - every optimizer step takes per_device_train_batch_size x gradient_accumulation_steps completions:
 *   that / num_generations prompts, num_generations samples each (temperature, top_p, max_completion_length);
 * - rewards from the named reward functions, weighted and summed; advantages A = r - mean(group), divided by the
 *   group's std (+1e-4) for `scale_rewards: group`, the batch's for `batch`, or not for `none`;
 * - the per-token loss -min(r A, clip(r, 1 - epsilon, 1 + epsilon_high) A) + beta k3(ref, pi), aggregated by
 *   `loss_type` (grpo, bnpo, dr_grpo, dapo: see losses.ts), the log-probs at the sampling temperature;
 * - one generation serves `num_iterations` optimizer steps (old log-probs are computed once; with one iteration
 *   they are the current ones detached, ratio 1, as TRL does); the reference (beta > 0) is the starting model.
 * Metrics under TRL's names: reward, reward_std, frac_reward_zero_std, rewards/<name>/mean|std,
 * completions/{mean,min,max}_length, completions/clipped_ratio, completions/{mean,min,max}_terminated_length,
 * entropy, kl (beta > 0), clip_ratio/{low_mean,low_min,high_mean,high_max,region_mean}.
 * Differences: a generation is split into micro-batches without shuffling (TRL shuffles it first), so the
 * completions of one prompt stay together and share one prompt pass; only `bnpo`'s per-micro-batch normalisation
 * can tell.
 * Evaluation (eval_steps, end) samples greedily, one completion per validation prompt, and logs eval_reward and
 * eval_rewards/<name>/mean (TRL samples num_generations and logs the loss).
 */
export interface GrpoDeps {
  cfg: TrainConfig;
  train: EncodedPrompt[];
  eval: EncodedPrompt[];
  rewards: NamedReward[];
  /** a sampler on the current policy weights (created per rollout under LoRA, whose weights are merged) */
  sampler(): Promise<Sampler>;
  /** the training step: logp + entropy heads, loss grpoGraphLoss */
  step: Pick<HeadsTrainingStep, "run">;
  /** the weights the training step and the policy runner read */
  weights: () => Weights;
  /** per-token log-probs under the current policy (num_iterations > 1) */
  policyRunner?: HeadsRunner;
  /** per-token log-probs under the reference (beta != 0) and its weights */
  reference?: { runner: HeadsRunner; weights: Weights };
  eosTokenIds: number[];
  decode: (ids: Int32Array) => string;
  dropoutSeed?: number;
}

/** A generation batch, as kept for its num_iterations steps (and in checkpoints). */
interface Buffer {
  generation: number;
  completions: { prompt: number; ids: number[]; text: string; truncated: boolean }[];
  advantages: number[];
  oldLogp?: number[][];
  refLogp?: number[][];
}

const ROLLOUT_STREAM = 11;
const BUFFER_FILE = "rollout_buffer.json";

export class GrpoAlgorithm implements OnlineAlgorithm {
  readonly totalSteps: number;
  private readonly plan: DataPlan;
  private readonly G: number;
  private readonly mu: number;
  private buffer: Buffer | undefined;

  constructor(private readonly d: GrpoDeps) {
    const p = rolloutPlan(d.cfg, d.train.length);
    this.G = p.completionsPerPrompt;
    this.mu = p.stepsPerRollout;
    this.plan = p.plan;
    this.totalSteps = p.totalSteps;
  }

  epochAfter(done: number): number {
    return done / (this.plan.updatesPerEpoch * this.mu);
  }

  episodesAfter(done: number): number {
    let n = 0;
    for (let g = 0; g < Math.ceil(done / this.mu); g++) n += this.plan.microBatches(g)[0]!.length;
    return n;
  }

  rolloutSeed(step: number): number {
    return mixSeeds(this.d.cfg.seed, ROLLOUT_STREAM, Math.floor(step / this.mu));
  }

  /** Sample, score and compute the advantages of generation `gen` (and its old / reference log-probs). */
  private async generate(gen: number, timing: Timing): Promise<{ buffer: Buffer; metrics: Record<string, number> }> {
    const c = this.d.cfg;
    const prompts = this.plan.microBatches(gen)[0]!;
    const sampler = await this.d.sampler();
    const completions = await timed(timing, "generation_s", () =>
      sampleCompletions(
        sampler,
        prompts.map((i) => this.d.train[i]!),
        {
          perPrompt: this.G,
          maxNewTokens: c.max_completion_length!,
          temperature: c.temperature!,
          topP: c.top_p,
          seed: this.rolloutSeed(gen * this.mu),
          eosTokenIds: this.d.eosTokenIds,
          decode: this.d.decode,
        },
      ),
    );
    timing.generated_tokens += completions.reduce((a, x) => a + x.ids.length, 0);
    return timed(timing, "scoring_s", async () => {
      const scored = await scoreRewards(this.d.rewards, c.reward_weights, completions.map(rewardInput));
      if (c.missing_eos_penalty !== undefined)
        completions.forEach((x, i) => {
          if (x.truncated && !Number.isNaN(scored.total[i]!)) scored.total[i]! -= c.missing_eos_penalty!;
        });
      const adv = groupAdvantages(scored.total, this.G, c.scale_rewards as "group" | "batch" | "none");
      const seqs = completions.map(completionSequence);
      const batch = { ids: seqs.map((s) => s.ids), responseStart: seqs.map((s) => s.responseStart) };
      const oldLogp = this.d.policyRunner ? (await this.d.policyRunner.run(this.d.weights(), batch)).logp : undefined;
      const refLogp = this.d.reference
        ? (await this.d.reference.runner.run(this.d.reference.weights, batch)).logp
        : undefined;
      const lengths = completions.map((x) => x.ids.length);
      const terminated = completions.filter((x) => !x.truncated).map((x) => x.ids.length);
      const metrics: Record<string, number> = {
        ...rewardMetrics(this.d.rewards, scored),
        "completions/mean_length": mean(lengths),
        "completions/min_length": Math.min(...lengths),
        "completions/max_length": Math.max(...lengths),
        "completions/clipped_ratio": completions.filter((x) => x.truncated).length / completions.length,
        "completions/mean_terminated_length": terminated.length ? mean(terminated) : 0,
        "completions/min_terminated_length": terminated.length ? Math.min(...terminated) : 0,
        "completions/max_terminated_length": terminated.length ? Math.max(...terminated) : 0,
        frac_reward_zero_std: adv.stdZero.filter((z) => z).length / adv.stdZero.length,
      };
      const reward = nanMean(scored.total);
      const std = nanStd(scored.total);
      if (!Number.isNaN(reward)) metrics.reward = reward;
      if (!Number.isNaN(std)) metrics.reward_std = std;
      const buffer: Buffer = {
        generation: gen,
        completions: completions.map((x, i) => ({
          prompt: prompts[Math.floor(i / this.G)]!,
          ids: [...x.ids],
          text: x.text,
          truncated: x.truncated,
        })),
        advantages: [...adv.advantages],
        oldLogp: oldLogp?.map((a) => [...a]),
        refLogp: refLogp?.map((a) => [...a]),
      };
      this.lastRewards = { perFunction: scored.perFunction, total: scored.total };
      return { buffer, metrics };
    });
  }

  private lastRewards: { perFunction: number[][]; total: number[] } | undefined;

  private completionOf(b: Buffer["completions"][number]): Completion {
    return { prompt: this.d.train[b.prompt]!, ids: Int32Array.from(b.ids), text: b.text, truncated: b.truncated };
  }

  async step(step: number, ctx: StepContext): Promise<OnlineStepResult> {
    const c = this.d.cfg;
    const gen = Math.floor(step / this.mu);
    let rolloutMetrics: Record<string, number> = {};
    let logged: Record<string, unknown>[] = [];
    let rolloutTokens = 0;
    if (!this.buffer || this.buffer.generation !== gen) {
      const g = await this.generate(gen, ctx.timing);
      this.buffer = g.buffer;
      rolloutMetrics = g.metrics;
      rolloutTokens = this.buffer.completions.reduce(
        (a, x) => a + x.ids.length + this.d.train[x.prompt]!.ids.length,
        0,
      );
      logged = this.buffer.completions.map((x, i) => ({
        prompt: this.d.train[x.prompt]!.row.prompt,
        completion: x.text,
        reward: this.lastRewards!.total[i],
        rewards: Object.fromEntries(this.d.rewards.map((r, k) => [r.name, this.lastRewards!.perFunction[k]![i]])),
        advantage: this.buffer!.advantages[i],
        truncated: x.truncated,
      }));
    }
    const buf = this.buffer;
    const completions = buf.completions.map((b) => this.completionOf(b));
    // micro-batches of per_device_train_batch_size consecutive completions
    const size = c.per_device_train_batch_size;
    const micro: number[][] = [];
    for (let i = 0; i < completions.length; i += size)
      micro.push(Array.from({ length: Math.min(size, completions.length - i) }, (_, k) => i + k));
    const masked = (i: number) => c.mask_truncated_completions && completions[i]!.truncated;
    const lengths = micro.map((m) => m.map((i) => (masked(i) ? 0 : completions[i]!.ids.length)));
    const weights = grpoTokenWeights(lengths, c.loss_type as GrpoLossType, c.max_completion_length!);
    const eps = { epsilonLow: c.epsilon, epsilonHigh: c.epsilon_high ?? c.epsilon, beta: c.beta };
    const grads = new Map<string, Float32Array>();
    const stats = { entropy: [] as number[], kl: [] as number[], low: [] as number[], high: [] as number[] };
    const region: number[] = [];
    let lowMin = Number.POSITIVE_INFINITY;
    let highMax = Number.NEGATIVE_INFINITY;
    let loss = 0;
    let tokens = 0;
    await timed(ctx.timing, "update_s", async () => {
      for (const [k, m] of micro.entries()) {
        const seqs = m.map((i) => completionSequence(completions[i]!));
        const tokenInputs: Record<string, number[][] | Float32Array[]> = {
          advantages: m.map((i) => new Array(completions[i]!.ids.length).fill(buf.advantages[i]!)),
          weight: m.map((i, j) => new Array(completions[i]!.ids.length).fill(masked(i) ? 0 : weights[k]![j]!)),
        };
        if (buf.oldLogp) tokenInputs.old_logp = m.map((i) => buf.oldLogp![i]!);
        if (buf.refLogp) tokenInputs.ref_logp = m.map((i) => buf.refLogp![i]!);
        const r = await this.d.step.run(this.d.weights(), {
          ids: seqs.map((s) => s.ids),
          responseStart: seqs.map((s) => s.responseStart),
          tokenInputs,
          dropout: this.d.dropoutSeed === undefined ? undefined : { seed: this.d.dropoutSeed, step },
        });
        for (const [name, g] of r.grads) {
          const acc = grads.get(name);
          if (!acc) grads.set(name, Float32Array.from(g));
          else for (let i = 0; i < acc.length; i++) acc[i] += g[i]!;
        }
        // the scalar loss on the returned log-probs: the engine's must agree; the metrics come from it
        let scalar = 0;
        const mb = { ent: 0, kl: 0, low: 0, high: 0, n: 0 };
        m.forEach((i, j) => {
          const lp = r.logp![j]!;
          const old = buf.oldLogp ? buf.oldLogp[i]! : lp;
          const terms = grpoTokenTerms(lp, old, buf.advantages[i]!, buf.refLogp?.[i], eps);
          if (!masked(i)) {
            let lo = 0;
            let hi = 0;
            for (let t = 0; t < lp.length; t++) {
              scalar += weights[k]![j]! * terms.loss[t]!;
              mb.ent += r.entropy![j]![t]!;
              mb.kl += terms.kl[t]!;
              if (terms.low[t]) lo++;
              if (terms.high[t]) hi++;
            }
            mb.low += lo;
            mb.high += hi;
            mb.n += lp.length;
            if (lp.length > 0) {
              lowMin = Math.min(lowMin, lo / lp.length);
              highMax = Math.max(highMax, hi / lp.length);
            }
          }
        });
        if (Number.isFinite(r.loss) && Math.abs(r.loss - scalar) > 1e-3 * (1 + Math.abs(scalar)))
          throw new Error(`engine GRPO loss ${r.loss} disagrees with the scalar loss ${scalar}`);
        loss += r.loss;
        tokens += seqs.reduce((a, s) => a + s.ids.length, 0);
        if (mb.n > 0) {
          stats.entropy.push(mb.ent / mb.n);
          stats.kl.push(mb.kl / mb.n);
          stats.low.push(mb.low / mb.n);
          stats.high.push(mb.high / mb.n);
          region.push((mb.low + mb.high) / mb.n);
        }
      }
    });
    const gradNorm = await timed(ctx.timing, "update_s", async () => ctx.optimize(grads));
    const metrics: Record<string, number> = { ...rolloutMetrics };
    if (stats.entropy.length) {
      metrics.entropy = mean(stats.entropy);
      if (c.beta !== 0) metrics.kl = mean(stats.kl);
      metrics["clip_ratio/low_mean"] = mean(stats.low);
      metrics["clip_ratio/high_mean"] = mean(stats.high);
      metrics["clip_ratio/region_mean"] = mean(region);
      metrics["clip_ratio/low_min"] = lowMin;
      metrics["clip_ratio/high_max"] = highMax;
    }
    return { loss, gradNorm, metrics, tokens, rolloutTokens, completions: logged };
  }

  async evaluate(): Promise<Record<string, number> | undefined> {
    return evaluateGreedy(this.d);
  }

  saveState(dir: string, done: number): void {
    // a generation still in use by the next step goes with the checkpoint (num_iterations > 1)
    if (this.buffer && done % this.mu !== 0 && this.buffer.generation === Math.floor(done / this.mu))
      writeFileAtomic(join(dir, BUFFER_FILE), JSON.stringify(this.buffer));
  }

  loadState(dir: string, done: number): void {
    this.buffer = undefined;
    if (done % this.mu === 0) return;
    const file = join(dir, BUFFER_FILE);
    if (!existsSync(file)) throw new Error(`${dir}: no ${BUFFER_FILE} for the generation step ${done} still uses`);
    this.buffer = JSON.parse(readFileSync(file, "utf8")) as Buffer;
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function rewardInput(x: Completion): RewardInput {
  return { prompt: x.prompt.row.prompt, completion: x.text, record: x.prompt.row.record, truncated: x.truncated };
}

/** Greedy completions of the validation prompts, scored: eval_reward and eval_rewards/<name>/mean. */
export async function evaluateGreedy(
  d: Pick<GrpoDeps, "cfg" | "eval" | "rewards" | "sampler" | "eosTokenIds" | "decode">,
): Promise<Record<string, number> | undefined> {
  if (d.eval.length === 0) return undefined;
  const sampler = await d.sampler();
  const completions = await sampleCompletions(sampler, d.eval, {
    perPrompt: 1,
    maxNewTokens: d.cfg.max_completion_length!,
    temperature: 0,
    topP: 1,
    seed: 0,
    eosTokenIds: d.eosTokenIds,
    decode: d.decode,
  });
  const scored = await scoreRewards(d.rewards, d.cfg.reward_weights, completions.map(rewardInput));
  const out: Record<string, number> = {
    ...Object.fromEntries(Object.entries(rewardMetrics(d.rewards, scored)).filter(([k]) => k.endsWith("/mean"))),
    "completions/mean_length": mean(completions.map((x) => x.ids.length)),
  };
  const reward = nanMean(scored.total);
  if (!Number.isNaN(reward)) out.reward = reward;
  return out;
}
