import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_PLAN } from "../../src/experiment/plan.js";
import type { ExperimentResults } from "../../src/experiment/results.js";
import { runCliAsync } from "../helpers/cli.js";

/**
 * `iopo demo --quick`, the main job end to end as a user runs it: the world's data chain, the tiny model's SFT,
 * every method of the shipped plan from the SFT checkpoint, greedy generation and the rule judge on held-out items,
 * results.json / results.md and the table on the terminal; then the same command again resumes with nothing to do.
 */
describe("iopo demo --quick (child process)", () => {
  const dir = mkdtempSync(join(tmpdir(), "iopo-demo-"));
  const env = { IOPO_CACHE: join(dir, "llm.sqlite") };

  it("trains and evaluates every method offline, prints the table, then resumes with nothing left to do", async () => {
    // First without the rollout rows (the shipped plan minus ppo and grpo: the same settings, fewer rows) ...
    const offlinePlan = join(dir, "offline-plan.yaml");
    writeFileSync(offlinePlan, readFileSync(DEMO_PLAN, "utf8").replace(/^ {2}- (ppo|grpo)\b.*\n/gm, ""));
    const first = await runCliAsync(["demo", "--quick", "--plan", offlinePlan, "--output-dir", dir], env);
    expect(first.status, first.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;
    const offline = [
      "base",
      "sft",
      "sft_continued",
      "dpo",
      "iopo",
      "iopo_star",
      "iopo_input_only",
      "iopo_output_only",
      "simpo",
      "orpo",
      "dpo_star",
      "sft_star",
    ];
    expect(r.methods.map((m) => m.id)).toEqual(offline);
    expect(r.runs.map((x) => x.status)).toEqual(Array(12).fill("done"));
    for (const m of ["if_s", "if_m", "if_ood", "pref_acc"]) expect(r.metrics.map((x) => x.id)).toContain(m);
    // every method trained the same number of optimiser steps
    expect(new Set(r.runs.filter((x) => x.steps !== undefined).map((x) => x.steps))).toEqual(new Set([10]));
    for (const x of r.runs) {
      expect(existsSync(join(dir, x.eval_dir!, "results.jsonl")), x.method).toBe(true);
      expect(existsSync(join(dir, x.model_dir!, "config.json")), x.method).toBe(true);
    }
    for (const f of [
      "results.md",
      "report.html",
      "plan.yaml",
      "data/trace/trace.jsonl",
      "data/iopo/iopo_groups.jsonl",
      "data/eval/eval.jsonl",
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(first.stdout).toMatch(/^method\s+IF-S\s+IF-M\s+IF-OOD/m);
    expect(first.stdout).toMatch(/^IOPO\s+\d/m);
    expect(first.stdout).toMatch(/The paper's claim (holds|does not hold|holds only in part) on IF-M in this run/);
    expect(first.stdout).toMatch(
      /Wall time: data [\d.]+ s, base model [\d.]+ s, sft [\d.]+ s, train [\d.]+ s, evaluate [\d.]+ s/,
    );

    // ... then the demo as shipped in the same folder: only the reward model, PPO and GRPO train.
    const rl = await runCliAsync(["demo", "--quick", "--output-dir", dir], env);
    expect(rl.status, rl.stderr).toBe(0);
    expect(rl.stdout.match(/train \S+: \S+ on/g)).toEqual([
      "train rm/seed-1: rm on",
      "train ppo/seed-1: ppo on",
      "train grpo/seed-1: grpo on",
    ]);
    const withRl = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;
    expect(withRl.methods.map((m) => m.id)).toEqual([...offline, "ppo", "grpo"]);
    for (const id of ["ppo", "grpo"]) {
      const run = withRl.runs.find((x) => x.method === id)!;
      expect(run.status, run.error).toBe("done");
      expect(run.steps, id).toBe(10); // the same optimiser steps as every other row
      expect(typeof run.metrics.if_all, id).toBe("number");
    }
    const ppo = withRl.runs.find((x) => x.method === "ppo")!;
    expect(ppo.reward_model_dir).toBe(join("train", "rm", "seed-1"));
    expect(existsSync(join(dir, ppo.reward_model_dir!, "config.json"))).toBe(true);
    expect(existsSync(join(dir, "train", "grpo", "seed-1", "completions.jsonl"))).toBe(true);
    for (const id of Object.keys(r.summary)) expect(withRl.summary[id], id).toEqual(r.summary[id]);

    // A rerun resumes with nothing left to do.
    const again = await runCliAsync(["demo", "--quick", "--output-dir", dir], env);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/train \S+: /); // no training run started
    expect(again.stdout).toContain("train iopo/seed-1 (done)");
    const same = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;
    expect(same.summary).toEqual(withRl.summary);

    // A row whose own settings changed under the same id is refused before anything runs.
    const plan = join(dir, "changed-plan.yaml");
    writeFileSync(
      plan,
      readFileSync(DEMO_PLAN, "utf8").replace(
        /^ {2}- dpo\b.*$/m,
        "  - { id: dpo, method: dpo, data: dpo, overrides: { beta: 0.5 } }",
      ),
    );
    const changed = await runCliAsync(["demo", "--quick", "--plan", plan, "--output-dir", dir], env);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toMatch(/methods\.dpo.*row dpo was trained here as/);
  }, 900_000);

  it("--dry-run describes the plan and renders the construction prompts without running anything", async () => {
    const dry = mkdtempSync(join(tmpdir(), "iopo-demo-dry-"));
    const r = await runCliAsync(["demo", "--dry-run", "--output-dir", dry], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('experiment "demo"');
    expect(r.stdout).toMatch(/iopo\s+iopo on the iopo data, seeds 1, 2, 3: \d+ optimiser steps/);
    expect(r.stdout).toContain("none: the constraint world's programs build the data and judge the answers offline");
    expect(r.stdout).toContain("dry run");
    expect(existsSync(join(dry, "train"))).toBe(false);
  }, 120_000);
});
