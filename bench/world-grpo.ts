/**
 * Does GRPO with the world's rule reward raise the held-out reward of an SFT model? A measurement on the offline
 * constraint world (src/world), every part through the library the CLI uses:
 *
 *   npx tsx bench/world-grpo.ts [--seeds 1,2,3] [--sft-steps 800] [--grpo-steps 200] [--grpo-lr 1e-4]
 *                               [--prompts-per-step 4] [--held-out 200] [--hidden 64] [--layers 2]
 *                               [--out runs/world-grpo]
 *
 * 1. data: world instructions with 1-2 constraints as TRACE records - SFT rows (the world's compliant answers) and
 *    GRPO prompts from one seed stream, a held-out set from another;
 * 2. a tiny random Qwen2 model (--hidden, --layers, the tiny byte-level BPE tokenizer), SFT'd on the answers
 *    (`iopo train --method sft`, full fine-tuning);
 * 3. per seed, GRPO from the SFT model with `reward_funcs: world` (partial credit: share of constraints satisfied),
 *    num_generations 8, --prompts-per-step prompts per step, beta 0, loss_type dapo (an SFT model already in --out
 *    is reused);
 * 4. the held-out reward (world and world_all) of the SFT model and of each GRPO run, for greedy completions and
 *    for 4 completions per prompt sampled at temperature 1 (the distribution GRPO trains; fixed seed).
 * Prints one row per model and the mean over seeds; everything it writes goes to --out.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createGenerator } from "../src/model/generate.js";
import { loadModelFolder } from "../src/model/model-folder.js";
import { writeTinyModel } from "../src/model/tiny-model.js";
import { loadTrainConfig } from "../src/train/config.js";
import { encodePrompts, sampleCompletions } from "../src/train/online/rollout.js";
import { trainFromConfig } from "../src/train/run.js";
import { generateEvalSet } from "../src/world/eval-set.js";
import { parseUserMessage } from "../src/world/instruction.js";
import { respond } from "../src/world/responder.js";
import { worldReward, worldRewards } from "../src/world/rewards.js";
import { arg } from "./workload.js";

const seeds = arg("seeds", "1,2,3").split(",").map(Number);
const sftSteps = arg("sft-steps", "800");
const grpoSteps = arg("grpo-steps", "200");
const grpoLr = arg("grpo-lr", "1e-4");
const promptsPerStep = arg("prompts-per-step", "4");
const hidden = Number(arg("hidden", "64"));
const layers = Number(arg("layers", "2"));
const out = resolve(arg("out", join("runs", "world-grpo")));
const threads = Number(arg("threads", "2"));
mkdirSync(out, { recursive: true });

const train = generateEvalSet(600, 11, 1, 2, "world-train");
const heldOut = generateEvalSet(Number(arg("held-out", "200")), 12, 1, 2, "world-heldout");
const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
const sftRows = train.map((r, i) => ({
  messages: [
    ...r.messages,
    { role: "assistant", content: respond(parseUserMessage(r.messages[1]!.content)!, `a${i}`).text },
  ],
}));
writeFileSync(join(out, "sft.jsonl"), jsonl(sftRows));
writeFileSync(join(out, "prompts.jsonl"), jsonl(train));

const common = (model: string, dataset: string, dir: string) => [
  "--model_name_or_path",
  model,
  "--dataset",
  dataset,
  "--output_dir",
  join(out, dir),
  "--finetuning_type",
  "full",
  "--logging_steps",
  "20",
  "--save_steps",
  "100000",
  "--max_length",
  "320",
  // a rerun replaces the previous run of that folder (the SFT model is reused only when it is complete, below)
  "--overwrite_output_dir",
];

interface HeldOut {
  world: number;
  world_all: number;
  length: number;
}

/** Mean held-out reward of a model: completions (greedy, or sampled) scored by the world's checkers. */
async function heldOutReward(dir: string, sampled: boolean): Promise<HeldOut> {
  const folder = loadModelFolder(dir);
  const prompts = encodePrompts(
    folder,
    heldOut.map((r, i) => ({
      prompt: r.messages,
      record: r as unknown as Record<string, unknown>,
      source: { file: "held-out", line: i + 1 },
    })),
    320 - 96,
    "keep_start",
    folder.config.vocab_size,
  );
  const gen = await createGenerator(folder.config, folder.checkpoint!.weights, { threads });
  const completions = await sampleCompletions(gen, prompts, {
    perPrompt: sampled ? 4 : 1,
    maxNewTokens: 96,
    temperature: sampled ? 1 : 0,
    topP: 1,
    seed: 12345,
    eosTokenIds: folder.eosTokenIds,
    decode: (ids) => folder.tokenizer.decode(ids, true),
  });
  const inputs = completions.map((c) => ({
    prompt: c.prompt.row.prompt,
    completion: c.text,
    record: c.prompt.row.record,
    truncated: c.truncated,
  }));
  const mean = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0) / xs.length;
  return {
    world: mean(await worldReward("partial").fn(inputs)),
    world_all: mean(await worldReward("all").fn(inputs)),
    length: completions.reduce((a, c) => a + c.ids.length, 0) / completions.length,
  };
}

const show = (h: HeldOut) =>
  `world ${h.world.toFixed(4)}  world_all ${h.world_all.toFixed(4)}  length ${h.length.toFixed(1)}`;

async function main() {
  const t0 = performance.now();
  const base = join(out, "base");
  writeTinyModel(base, { hiddenSize: hidden, numLayers: layers, numHeads: 4, seed: 7 });
  const sft = loadTrainConfig(undefined, [
    ...common(base, join(out, "sft.jsonl"), "sft"),
    "--method",
    "sft",
    "--learning_rate",
    "3e-3",
    "--lr_scheduler_type",
    "cosine",
    "--warmup_ratio",
    "0.05",
    "--per_device_train_batch_size",
    "8",
    "--gradient_accumulation_steps",
    "1",
    "--max_steps",
    sftSteps,
    "--seed",
    "1",
  ]);
  // an SFT model already in --out is reused (the GRPO settings can then be varied on the same starting point)
  if (!existsSync(join(out, "sft", "model.safetensors"))) await trainFromConfig(sft);
  const sftGreedy = await heldOutReward(join(out, "sft"), false);
  const sftSampled = await heldOutReward(join(out, "sft"), true);
  console.log(
    `world GRPO check: ${train.length} training instructions, ${heldOut.length} held-out (1-2 constraints); ` +
      `model hidden ${hidden}, ${layers} layers; SFT ${sftSteps} steps, GRPO ${grpoSteps} steps at lr ${grpoLr}, ` +
      `${promptsPerStep} prompts x 8 completions per step`,
  );
  console.log(`sft               greedy: ${show(sftGreedy)} | sampled T=1: ${show(sftSampled)}`);
  const after: { greedy: HeldOut; sampled: HeldOut }[] = [];
  for (const seed of seeds) {
    const grpo = loadTrainConfig(undefined, [
      ...common(join(out, "sft"), join(out, "prompts.jsonl"), `grpo-seed${seed}`),
      "--method",
      "grpo",
      "--reward_funcs",
      "world",
      "--num_generations",
      "8",
      "--per_device_train_batch_size",
      "8",
      "--gradient_accumulation_steps",
      promptsPerStep,
      "--max_completion_length",
      "96",
      "--learning_rate",
      grpoLr,
      "--lr_scheduler_type",
      "constant",
      "--warmup_ratio",
      "0",
      "--max_steps",
      grpoSteps,
      "--seed",
      String(seed),
    ]);
    const r = await trainFromConfig(grpo, { rewards: worldRewards() });
    const greedy = await heldOutReward(join(out, `grpo-seed${seed}`), false);
    const sampled = await heldOutReward(join(out, `grpo-seed${seed}`), true);
    after.push({ greedy, sampled });
    console.log(
      `grpo seed ${seed}       greedy: ${show(greedy)} | sampled T=1: ${show(sampled)}` +
        `  [generation ${r.timing!.generation_s.toFixed(0)} s, scoring ${r.timing!.scoring_s.toFixed(0)} s, update ${r.timing!.update_s.toFixed(0)} s]`,
    );
  }
  const m = (mode: "greedy" | "sampled", k: "world" | "world_all") =>
    after.reduce((a, b) => a + b[mode][k], 0) / after.length;
  console.log(
    `grpo mean over seeds ${seeds.join(",")}: greedy world ${m("greedy", "world").toFixed(4)} (sft ${sftGreedy.world.toFixed(4)}), ` +
      `world_all ${m("greedy", "world_all").toFixed(4)} (sft ${sftGreedy.world_all.toFixed(4)}); sampled world ` +
      `${m("sampled", "world").toFixed(4)} (sft ${sftSampled.world.toFixed(4)}), world_all ${m("sampled", "world_all").toFixed(4)} ` +
      `(sft ${sftSampled.world_all.toFixed(4)}); ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

await main();
