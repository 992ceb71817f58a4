import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
    const first = await runCliAsync(["demo", "--quick", "--output-dir", dir], env);
    expect(first.status, first.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;
    expect(r.methods.map((m) => m.id)).toEqual([
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
    ]);
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

    const second = await runCliAsync(["demo", "--quick", "--output-dir", dir], env);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/train \S+: /); // no training run started
    expect(second.stdout).toContain("train iopo/seed-1 (done)");
    const again = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as ExperimentResults;
    expect(again.summary).toEqual(r.summary);
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
