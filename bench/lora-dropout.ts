/**
 * Cost of LoRA dropout: the IOPO training step (4 sequences (x1,y1) (x1,y2) (x2,y2) (x2,y1), 160 prompt + 96 response
 * tokens, forward + backward of the adapters, lora_target all, r 8, alpha 16) in three forms, each in its own child
 * process, alternating over rounds (the machine is noisy; compare the ratios; the best round counts):
 *   weight    W + (alpha/r) B A as a weight transform (what lora_dropout 0 trains with)
 *   branch    PEFT's activation-path branch y = W x + (alpha/r) B A x, no dropout
 *   dropout   the branch with lora_dropout p (in-graph integer-hash masks)
 *
 *   npx tsx bench/lora-dropout.ts [--shapes tiny,small,medium] [--iters 3] [--rounds 2] [--threads 2] [--p 0.1]
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { ModelConfig } from "../src/model/config.js";
import { createTrainingStep, type TrainingStep } from "../src/model/decoder.js";
import { isLoraParameter, loraBranch, loraTransform } from "../src/model/decoder-lora.js";
import type { Weights } from "../src/model/weights.js";
import { trainingLoss } from "../src/train/graph-losses.js";
import { defaultLossOptions } from "../src/train/losses/index.js";
import { arg, configOf, iopoGroup, randomWeights, uniform } from "./workload.js";

const LORA = {
  targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  rank: 8,
  alpha: 16,
};

/** The shape's random weights plus LoRA adapters on every target (A random, B small and non-zero, so both train). */
function weightsWithAdapters(cfg: ModelConfig): Weights {
  const w = randomWeights(cfg);
  const rand = uniform(54321);
  for (const [name, { shape }] of [...w]) {
    const m = /^(.*\.([a-z_]+))\.weight$/.exec(name);
    if (!m || !LORA.targets.includes(m[2]!)) continue;
    const [o, i] = shape as [number, number];
    const a = Float32Array.from({ length: LORA.rank * i }, () => rand() / Math.sqrt(i));
    w.set(`${m[1]}.lora_A.weight`, { shape: [LORA.rank, i], data: a });
    w.set(`${m[1]}.lora_B.weight`, { shape: [o, LORA.rank], data: new Float32Array(o * LORA.rank).fill(0.01) });
  }
  return w;
}

/** One variant in this process (so that its sessions and memory are its own): seconds per step after a warm-up. */
async function child(shape: string, variant: string, iters: number, threads: number, p: number) {
  const cfg = configOf(shape);
  const weights = weightsWithAdapters(cfg);
  const group = iopoGroup(cfg);
  const loss = trainingLoss("iopo", defaultLossOptions); // beta 0.1, sigmoid
  const base = { trainable: isLoraParameter, loss, threads, memoryPattern: false };
  const adapters =
    variant === "weight"
      ? { transformWeight: loraTransform(LORA) }
      : { adaptLinear: loraBranch({ ...LORA, dropout: variant === "dropout" ? p : 0 }) };
  const step: TrainingStep = await createTrainingStep(cfg, { ...base, ...adapters });
  let total = 0;
  for (let i = 0; i <= iters; i++) {
    const t = performance.now();
    await step.run(weights, { ...group, dropout: { seed: 1, step: i } });
    if (i > 0) total += (performance.now() - t) / 1000; // iteration 0 warms up
  }
  return { sec: total / iters, rss: process.resourceUsage().maxRSS / 2 ** 20 };
}

async function main() {
  const iters = Number(arg("iters", "3"));
  const threads = Number(arg("threads", "2"));
  const p = Number(arg("p", "0.1"));
  const variant = arg("child", "");
  if (variant) {
    console.log(JSON.stringify(await child(arg("shape", "tiny"), variant, iters, threads, p)));
    return;
  }
  const rounds = Number(arg("rounds", "2"));
  const self = fileURLToPath(import.meta.url);
  for (const shape of arg("shapes", "tiny,small").split(",")) {
    const times = new Map<string, number[]>(VARIANTS.map((v) => [v, []]));
    const rss = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      for (const v of VARIANTS) {
        const args = ["--import", "tsx", self, "--child", v, "--shape", shape, "--iters", String(iters)];
        args.push("--threads", String(threads), "--p", String(p));
        const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        const res = JSON.parse(out.trim().split("\n").pop()!) as { sec: number; rss: number };
        times.get(v)!.push(res.sec);
        rss.set(v, Math.max(rss.get(v) ?? 0, res.rss));
      }
    }
    const best = (v: string) => Math.min(...times.get(v)!);
    const row: Record<string, unknown> = { shape, threads, p, iters, rounds, load: loadavg()[0]!.toFixed(1) };
    for (const v of VARIANTS) {
      row[`${v}_s`] = Number(best(v).toFixed(3));
      row[`${v}_vs_weight`] = Number((best(v) / best("weight")).toFixed(3));
      row[`${v}_peak_rss_gib`] = Number(rss.get(v)!.toFixed(2));
    }
    row.dropout_vs_branch = Number((best("dropout") / best("branch")).toFixed(3));
    console.log(JSON.stringify(row));
  }
}

const VARIANTS = ["weight", "branch", "dropout"];

await main();
