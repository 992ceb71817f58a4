import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeJsonl } from "../../src/data/jsonl.js";
import { buildChain, worldSeedSplits } from "../../src/experiment/data.js";
import type { ExperimentResults } from "../../src/experiment/results.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { generateEvalSet } from "../../src/world/eval-set.js";
import { WorldChatModel } from "../../src/world/world-chat-model.js";
import { runCliAsync, spawnCli } from "../helpers/cli.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";

/**
 * `iopo experiment` end to end on a tiny model: data files (built once by the world's chain, then used as a
 * researcher's files), an LLM judge behind a real local HTTP server (answering the B.5 prompt with the world's rule
 * verdicts), SFT then DPO and IOPO over two seeds, evaluation, results. Then the same plan killed mid-run and run
 * again: it resumes and ends with the same numbers as the uninterrupted run.
 */
describe("iopo experiment (child process, local judge server)", () => {
  const root = mkdtempSync(join(tmpdir(), "iopo-exp-"));
  let server: FakeOpenAIServer;
  let plan: string;
  const env = () => ({ OPENAI_API_KEY: "test-key", IOPO_CACHE: join(root, "llm.sqlite") });

  beforeAll(async () => {
    const world = new WorldChatModel("judge");
    server = await startFakeOpenAIServer({
      reply: async (req) => (await world.chat({ messages: req.messages as never })).text,
    });
    const w = {
      constraint_counts: "uniform:1-3",
      sft_seeds: 24,
      preference_seeds: 16,
      heldout_seeds: 8,
      min_constraints: 1,
      max_constraints: 3,
      eval_items_per_count: 2,
      eval_max_constraints: 4,
      seed: 5,
    };
    const chain = await buildChain(worldSeedSplits(w), {
      dataDir: join(root, "files"),
      models: { model: new WorldChatModel("constructor"), judge: world },
      seed: 5,
      concurrency: 8,
      lang: "en",
      counts: "uniform:1-3",
    });
    writeJsonl(join(root, "files", "eval.jsonl"), generateEvalSet(8, 5, 1, 4, "ev"));
    writeTinyModel(join(root, "base"), { hiddenSize: 32, numLayers: 2, seed: 3 });
    plan = join(root, "plan.yaml");
    writeFileSync(
      plan,
      [
        "name: tiny",
        "seeds: 2",
        "model: { base: base }",
        "data:",
        "  source: files",
        "  files:",
        `    sft: ${chain.files.sft}`,
        `    dpo: ${chain.files.dpo}`,
        `    iopo: ${chain.files.iopo}`,
        "    eval_trace: files/eval.jsonl",
        `    heldout_iopo: ${chain.files.heldout_iopo}`,
        "sft: { finetuning_type: full, learning_rate: 1.0e-3, max_steps: 4, per_device_train_batch_size: 4, save_steps: 2 }",
        "train: { finetuning_type: full, learning_rate: 1.0e-3, max_steps: 3, per_device_train_batch_size: 2, save_steps: 1 }",
        "methods: [dpo, iopo]",
        "eval:",
        "  max_new_tokens: 12",
        "  batch_size: 8",
        `  trace: { judge: llm, judge_model: fake-judge, judge_base_url: ${server.baseUrl} }`,
      ].join("\n"),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  const read = (dir: string) => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;

  it("--dry-run lists the runs, their optimiser steps and the judge calls", async () => {
    const r = await runCliAsync(["experiment", "-c", plan, "--dry-run", "--output-dir", join(root, "dry")], env());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("sft (start)            4 optimiser steps");
    expect(r.stdout).toMatch(/iopo\s+iopo on the iopo data, seeds 1, 2: 3 optimiser steps/);
    expect(r.stdout).toContain("checkpoints evaluated: 6");
    expect(r.stdout).toMatch(/eval trace judge\s+48 calls to fake-judge \(price unknown\)/);
    expect(existsSync(join(root, "dry", "plan.yaml"))).toBe(false);
  });

  it("trains, evaluates through the judge server and tabulates; killed mid-run, a rerun ends with the same numbers", async () => {
    const clean = join(root, "clean");
    const r = await runCliAsync(["experiment", "-c", plan, "--output-dir", clean], env());
    expect(r.status, r.stderr).toBe(0);
    const res = read(clean);
    expect(res.methods.map((m) => m.id)).toEqual(["base", "sft", "dpo", "iopo"]);
    expect(res.runs.filter((x) => x.status === "done")).toHaveLength(6);
    expect(res.summary.iopo.if_all.n).toBe(2);
    expect(res.summary.iopo.pref_acc.n).toBe(2);
    for (const x of res.runs) expect(existsSync(join(clean, x.eval_dir!, "results.jsonl"))).toBe(true);
    expect(r.stdout).toMatch(/IOPO\s+[\d.]+ ± [\d.]+/);
    // 48 judge verdicts; identical (response, instruction) pairs are answered once (cache, merged in-flight calls)
    expect(server.counts.total).toBeGreaterThan(0);

    // Kill a second run once the first method run has finished, then run it again to the end.
    const cut = join(root, "cut");
    const child = spawnCli(["experiment", "-c", plan, "--output-dir", cut], env());
    const marker = join(cut, "train", "dpo", "seed-1", ".experiment_done.json");
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (existsSync(marker)) {
          clearInterval(t);
          child.kill("SIGKILL");
          resolve();
        }
      }, 50);
      child.on("exit", (code) => {
        clearInterval(t);
        if (!existsSync(marker)) reject(new Error(`child exited (${code}) before the marker appeared`));
      });
    });
    await new Promise((r) => child.on("close", r));
    expect(existsSync(join(cut, "results.json"))).toBe(false);
    const again = await runCliAsync(["experiment", "-c", plan, "--output-dir", cut], env());
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("train dpo/seed-1 (done)");
    const resumed = read(cut);
    for (const x of res.runs) {
      const y = resumed.runs.find((z) => z.method === x.method && z.seed === x.seed)!;
      expect(y.metrics, `${x.method} seed ${x.seed}`).toEqual(x.metrics);
    }

    // A finished experiment reruns without training or evaluating anything.
    const third = await runCliAsync(["experiment", "-c", plan, "--output-dir", cut], env());
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).not.toMatch(/train \S+: /);
    expect(read(cut).phases.every((p) => p.resumed || p.name === "base model")).toBe(true);
  }, 600_000);

  it("refuses to reuse a run folder made with another plan, naming what differs", async () => {
    const other = join(root, "plan2.yaml");
    writeFileSync(other, readFileSync(plan, "utf8").replace("max_steps: 3", "max_steps: 5"));
    const r = await runCliAsync(["experiment", "-c", other, "--output-dir", join(root, "clean")], env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("made with a different plan (differs in: train)");
  }, 120_000);
});
