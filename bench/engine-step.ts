/**
 * Engine benchmark against the plain-PyTorch peer (/work/shared/bench/torch_baseline.py), run alternately in the
 * same invocation (the machine is noisy; compare ratios, not absolute times).
 *
 *   npx tsx bench/engine-step.ts [--shapes tiny,small,medium] [--modes step,fwd,gen] [--iters 3] [--threads 2]
 *                                [--rounds 1] [--arena on|off] [--no-peer] [--peer-script PATH]
 *
 * step: IOPO training step per group (4 sequences (x1,y1) (x1,y2) (x2,y2) (x2,y1), 160 prompt + 96 response tokens,
 *       forward + backward + AdamW in JS) vs peer `step --loss iopo`.
 * fwd:  forward-only reference log-probs of the same 4 sequences vs peer `fwd`.
 * gen:  greedy KV-cache generation, prompt 64, 64 new tokens, batch 1 vs peer `gen`; plus batch 16 throughput.
 * Each engine measurement runs in a child process so that its peak RSS is its own.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { mallocEnv } from "../src/engine/memory.js";
import type { ModelConfig } from "../src/model/config.js";
import { createLogprobRunner, createTrainingStep } from "../src/model/decoder.js";
import { createGenerator } from "../src/model/generate.js";
import type { Weights } from "../src/model/weights.js";
import { type AdamWParamState, adamwUpdate } from "../src/train/adamw.js";
import { trainingLoss } from "../src/train/graph-losses.js";
import { defaultLossOptions } from "../src/train/losses/index.js";
import { arg, configOf, iopoGroup, PROMPT, RESPONSE, randomWeights } from "./workload.js";

/** The peer's FLOP estimate of the naive work (6 N T + attention), so GFLOP/s are comparable. */
function naiveFlops(cfg: ModelConfig, mode: "step" | "fwd", B = 4, S = PROMPT + RESPONSE): number {
  const hd = cfg.head_dim;
  const N =
    cfg.num_hidden_layers *
      (cfg.hidden_size * cfg.num_attention_heads * hd * 2 +
        2 * cfg.hidden_size * cfg.num_key_value_heads * hd +
        3 * cfg.hidden_size * cfg.intermediate_size) +
    cfg.hidden_size * cfg.vocab_size;
  const attn = 2 * 2 * B * cfg.num_attention_heads * S * S * hd * cfg.num_hidden_layers;
  return mode === "step" ? 6 * N * B * S + 3 * attn : 2 * N * B * S + attn;
}

/** AdamW over every trained tensor with the trainer's own optimizer step (torch.optim.AdamW semantics). */
function adamw(weights: Weights, grads: Map<string, Float32Array>, state: Map<string, AdamWParamState>, t: number) {
  const options = { lr: 1e-6, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  for (const [name, g] of grads) {
    const p = weights.get(name)!.data;
    let st = state.get(name);
    if (!st) state.set(name, (st = { expAvg: new Float32Array(p.length), expAvgSq: new Float32Array(p.length) }));
    adamwUpdate(p, g, st, t, options);
  }
}

const peakRssGiB = () => process.resourceUsage().maxRSS / 2 ** 20;

async function child(mode: string, shape: string, iters: number, threads: number): Promise<Record<string, unknown>> {
  const cfg = configOf(shape);
  const weights = randomWeights(cfg);
  const group = iopoGroup(cfg);
  const out: Record<string, unknown> = { engine: "iopo-onnx", mode, shape, threads };
  if (mode === "step") {
    const t0 = performance.now();
    const step = await createTrainingStep(cfg, {
      trainable: () => true,
      loss: trainingLoss("iopo", defaultLossOptions), // beta 0.1, sigmoid
      threads,
      memoryArena: process.env.IOPO_ARENA !== "0",
      memoryPattern: process.env.IOPO_MEMPATTERN === "1",
    });
    out.setup_s = (performance.now() - t0) / 1000;
    const state = new Map<string, AdamWParamState>();
    const once = async (t: number) => {
      const a = performance.now();
      const res = await step.run(weights, group);
      const b = performance.now();
      adamw(weights, res.grads, state, t);
      res.grads.clear();
      // Free this step's gradient buffers before the next step allocates new ones (as torch's zero_grad(None)).
      (globalThis as { gc?: () => void }).gc?.();
      return [(b - a) / 1000, (performance.now() - b) / 1000] as const;
    };
    await once(1);
    let fb = 0;
    let opt = 0;
    for (let i = 0; i < iters; i++) {
      const [x, y] = await once(i + 2);
      fb += x;
      opt += y;
    }
    const sec = (fb + opt) / iters;
    Object.assign(out, {
      sec_per_group: sec,
      fwd_bwd_s: fb / iters,
      adamw_s: opt / iters,
      tokens_per_s: (4 * (PROMPT + RESPONSE)) / sec,
      gflop_per_s: naiveFlops(cfg, "step") / sec / 1e9,
    });
  } else if (mode === "fwd") {
    const runner = await createLogprobRunner(cfg, { threads });
    const batch = { ids: group.ids, responseStart: group.responseStart };
    await runner.sequenceLogprobs(weights, batch);
    const t = performance.now();
    for (let i = 0; i < iters; i++) await runner.sequenceLogprobs(weights, batch);
    const sec = (performance.now() - t) / 1000 / iters;
    Object.assign(out, {
      sec_per_step: sec,
      tokens_per_s: (4 * (PROMPT + RESPONSE)) / sec,
      gflop_per_s: naiveFlops(cfg, "fwd") / sec / 1e9,
    });
  } else if (mode === "gen") {
    const gen = await createGenerator(cfg, weights, { threads });
    const prompt = group.ids[0]!.subarray(0, 64);
    const opts = { max_new_tokens: 64, temperature: 0 };
    await gen.generate([prompt], { max_new_tokens: 4 });
    let t = performance.now();
    await gen.generate([prompt], opts);
    const sec1 = (performance.now() - t) / 1000;
    const prompts = Array.from({ length: 16 }, (_, i) => group.ids[i % 4]!.subarray(i, i + 64));
    await gen.generate(prompts, { max_new_tokens: 4 });
    t = performance.now();
    await gen.generate(prompts, opts);
    const sec16 = (performance.now() - t) / 1000;
    Object.assign(out, {
      new_tokens_per_s: 64 / sec1,
      batch16_new_tokens_per_s: (16 * 64) / sec16,
      batch16_speedup: (16 * 64) / sec16 / (64 / sec1),
    });
    out.sec = sec1;
  }
  out.peak_rss_gib = peakRssGiB();
  return out;
}

function runJson(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  try {
    const text = execFileSync(cmd, args, {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 24,
    });
    const line = text.trim().split("\n").pop()!;
    return JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    console.error(`failed: ${cmd} ${args.join(" ")}: ${(e as Error).message.split("\n")[0]}`);
    return undefined;
  }
}

function peerAvailable(python: string): boolean {
  try {
    execFileSync(python, ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const fmt = (v: unknown) => (typeof v === "number" ? Number(v.toPrecision(4)) : v);

async function main() {
  if (process.argv[2] === "--child") {
    const [mode, shape, iters, threads] = process.argv.slice(3);
    console.log(JSON.stringify(await child(mode!, shape!, Number(iters), Number(threads))));
    return;
  }
  const shapes = arg("shapes", "tiny,small").split(",");
  const modes = arg("modes", "step,fwd,gen").split(",");
  const iters = Number(arg("iters", "3"));
  const threads = Number(arg("threads", "2"));
  // --arena off: training without ORT's CPU arena, in a child started with the glibc settings of src/engine/memory.ts
  const arena = arg("arena", "on");
  const python = arg("python", "/usr/bin/python3");
  const candidates = [
    fileURLToPath(new URL("../../shared/bench/torch_baseline.py", import.meta.url)),
    "/work/shared/bench/torch_baseline.py",
  ];
  const script = arg("peer-script", candidates.find((p) => existsSync(p)) ?? candidates[0]!);
  const usePeer = !process.argv.includes("--no-peer") && existsSync(script) && peerAvailable(python);
  if (!usePeer)
    console.log("peer: PyTorch not available (apt-get install -y python3-torch libopenblas0-openmp); engine only");
  const self = fileURLToPath(import.meta.url);
  const rounds = Number(arg("rounds", "1"));
  const timeOf = (mode: string, r: Record<string, unknown>) =>
    (mode === "step" ? r.sec_per_group : mode === "fwd" ? r.sec_per_step : r.sec) as number;
  for (const shape of shapes) {
    for (const mode of modes) {
      // Peer and engine alternate `rounds` times; the summary compares the best (least disturbed) run of each.
      const peerTimes: number[] = [];
      const ourTimes: number[] = [];
      for (let round = 0; round < rounds; round++) {
        let peer: Record<string, unknown> | undefined;
        if (usePeer) {
          const peerArgs =
            mode === "gen"
              ? [script, "gen", shape, "--prompt", "64", "--new", "64", "--threads", String(threads)]
              : [
                  script,
                  mode,
                  shape,
                  "--batch",
                  "4",
                  "--seq",
                  String(PROMPT + RESPONSE),
                  "--response",
                  String(RESPONSE),
                ]
                  .concat(["--steps", String(iters), "--threads", String(threads)])
                  .concat(mode === "step" ? ["--loss", "iopo"] : []);
          peer = runJson(python, peerArgs);
        }
        const ours = runJson(
          process.execPath,
          [...process.execArgv, "--expose-gc", self, "--child", mode, shape, String(iters), String(threads)],
          arena === "off" ? { ...mallocEnv(), IOPO_ARENA: "0" } : process.env,
        );
        const row: Record<string, unknown> = {
          shape,
          mode,
          round,
          arena,
          // the machine is shared: report its load (PyTorch/OpenMP degrades far more than ORT under contention)
          loadavg_1m: fmt(loadavg()[0]),
          ours: ours && Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, fmt(v)])),
        };
        if (peer) row.peer = Object.fromEntries(Object.entries(peer).map(([k, v]) => [k, fmt(v)]));
        if (ours) ourTimes.push(timeOf(mode, ours));
        if (peer) peerTimes.push(timeOf(mode, peer));
        if (ours && peer) {
          row.speedup = fmt(timeOf(mode, peer) / timeOf(mode, ours));
          row.rss_ratio = fmt((ours.peak_rss_gib as number) / (peer.peak_rss_gib as number));
        }
        console.log(JSON.stringify(row));
      }
      if (rounds > 1 && ourTimes.length && peerTimes.length) {
        const best = (xs: number[]) => Math.min(...xs);
        console.log(
          JSON.stringify({
            shape,
            mode,
            summary: `best of ${rounds}`,
            ours_s: fmt(best(ourTimes)),
            peer_s: fmt(best(peerTimes)),
            speedup: fmt(best(peerTimes) / best(ourTimes)),
          }),
        );
      }
    }
  }
}

await main();
