/**
 * Table 5 of the paper for our engine: time per training step and peak memory of SFT, DPO, IOPO and IOPO* on the
 * same groups and model, as ratios to SFT (the paper reports roughly 1x / 2x / 4x memory and IOPO* ~1.5x DPO).
 * Every method runs in its own child process so that its peak RSS (process.resourceUsage().maxRSS) is its own.
 *   npx tsx bench/train-table5.ts            (HIDDEN=256 LAYERS=4 STEPS=5 LEN=200 to change the shape)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Method } from "../src/train/losses/index.js";

const METHODS: Method[] = ["sft", "dpo", "iopo", "iopo_star"];
const env = (k: string, d: number) => Number(process.env[k] ?? d);

async function child(method: Method, modelDir: string): Promise<void> {
  const { writeTinyModel: _ } = await import("../src/model/tiny-model.js");
  const { loadModelFolder } = await import("../src/model/model-folder.js");
  const { createTrainingStep } = await import("../src/model/decoder.js");
  const { tokenNormalizerInput, trainingLoss } = await import("../src/train/graph-losses.js");
  const { defaultLossOptions, METHOD_SEQUENCES } = await import("../src/train/losses/index.js");
  const folder = loadModelFolder(modelDir);
  const weights = folder.checkpoint!.weights;
  const L = env("LEN", 200);
  const groups = 2;
  const vocab = folder.config.vocab_size;
  // Four sequences per group: prompts of L/2 tokens (two per group), responses of L/2 tokens.
  const r = (i: number) => (i * 7919) % (vocab - 10);
  const mk = (p: number, y: number) => ({
    ids: Int32Array.from({ length: L }, (_, t) => (t < L / 2 ? r(p * 1000 + t) : r(y * 1000 + t))),
    responseStart: L / 2,
  });
  const names = METHOD_SEQUENCES[method];
  const seqOf: Record<string, [number, number]> = {
    chosen: [1, 1],
    rejected: [1, 2],
    chosen_v1: [1, 1],
    rejected_v1: [1, 2],
    chosen_v2: [2, 2],
    rejected_v2: [2, 1],
  };
  const seqs = Array.from({ length: groups }, (_, g) =>
    names.map((n) => mk(seqOf[n][0] + 10 * g, seqOf[n][1] + 10 * g)),
  ).flat();
  const step = await createTrainingStep(folder.config, {
    trainable: () => true,
    loss: trainingLoss(method, defaultLossOptions),
  });
  const batch = {
    ids: seqs.map((s) => s.ids),
    responseStart: seqs.map((s) => s.responseStart),
    refLogp: new Float64Array(seqs.length).fill(-100),
    extra: tokenNormalizerInput(seqs.length * (L / 2)),
  };
  await step.run(weights, batch); // warm-up (session creation)
  const steps = env("STEPS", 5);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step.run(weights, batch);
  const ms = (performance.now() - t0) / steps;
  console.log(JSON.stringify({ method, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, sequences: seqs.length }));
}

async function main() {
  if (process.argv[2] === "--child") return child(process.argv[3] as Method, process.argv[4]);
  const { writeTinyModel } = await import("../src/model/tiny-model.js");
  const dir = join(mkdtempSync(join(tmpdir(), "iopo-table5-")), "model");
  writeTinyModel(dir, { hiddenSize: env("HIDDEN", 256), numLayers: env("LAYERS", 4), numHeads: 8, seed: 1 });
  const rows: { method: string; ms: number; maxRssMiB: number }[] = [];
  for (const m of METHODS) {
    const r = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--child", m, dir], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(r.stderr);
    rows.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
  }
  const sft = rows[0];
  console.log("method      ms/step   ratio   peak RSS MiB   ratio   (2 groups, LEN tokens per sequence)");
  for (const r of rows)
    console.log(
      `${r.method.padEnd(10)} ${r.ms.toFixed(0).padStart(8)} ${(r.ms / sft.ms).toFixed(2).padStart(7)}x ${r.maxRssMiB.toFixed(0).padStart(12)} ${(r.maxRssMiB / sft.maxRssMiB).toFixed(2).padStart(7)}x`,
    );
}
await main();
