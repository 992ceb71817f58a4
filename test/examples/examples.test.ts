import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildDemoFolder } from "../helpers/demo-folder.js";
import { iopoIn } from "../helpers/in-process-cli.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const lines = (p: string) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

/**
 * The shipped examples/*.yaml run as they are on what `iopo demo` writes: a folder of the demo's layout (data from the
 * real data engine on the constraint world, the tiny model as models/base and, as if SFT had run, models/sft), the
 * working directory holding runs/, and only --max_steps 2 and --output_dir (a scratch folder) added.
 */
describe("examples/*.yaml run as shipped on the demo's run folder", async () => {
  const { root, demo } = await buildDemoFolder({ sft: true });
  // training configs (the experiment plans, *-plan.yaml, are checked below)
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml") && !f.endsWith("-plan.yaml"));

  it("every example names files the demo writes (the paper recipe's model is a marked placeholder)", () => {
    expect(files.sort()).toEqual(["iopo-paper-recipe.yaml", "train-dpo.yaml", "train-iopo.yaml", "train-sft.yaml"]);
    for (const f of files) {
      const cfg = parse(readFileSync(join(EXAMPLES, f), "utf8"));
      expect(existsSync(join(root, cfg.dataset)), `${f}: dataset ${cfg.dataset}`).toBe(true);
      if (f === "iopo-paper-recipe.yaml") {
        expect(cfg.model_name_or_path).toMatch(/^PLACEHOLDER\//);
        expect(cfg.cutoff_len, `${f}: the paper's max_length`).toBe(6000);
      } else {
        const model = join(root, cfg.model_name_or_path, "config.json");
        expect(existsSync(model), `${f}: model`).toBe(true);
        // The demo's tiny model: max_length is its positions, not the paper's 6000 (the default when absent).
        expect(cfg.max_length, `${f}: max_length`).toBe(
          JSON.parse(readFileSync(model, "utf8")).max_position_embeddings,
        );
      }
    }
    expect(readFileSync(join(EXAMPLES, "iopo-paper-recipe.yaml"), "utf8")).toMatch(/# PLACEHOLDER - not a real path/);
  });

  it.each([
    ["train-sft.yaml", "sft", []],
    ["train-dpo.yaml", "dpo", []],
    ["train-iopo.yaml", "iopo", []],
    // The real-model recipe: its placeholder model replaced, its 6000-token cutoff cut to the tiny model's positions.
    ["iopo-paper-recipe.yaml", "iopo", ["--model_name_or_path", "runs/demo/models/sft", "--max_length", "512"]],
  ])("%s trains 2 steps and saves a model", async (file, method, extra) => {
    const out = join(root, "out", file.replace(".yaml", ""));
    const r = await iopoIn(root, [
      "train",
      "-c",
      join(EXAMPLES, file),
      "--max_steps",
      "2",
      "--output_dir",
      out,
      ...extra,
    ]);
    expect(r.stdout).toMatch(new RegExp(`^${method}: \\d+ training`));
    expect(r.stdout).toContain("finished 2/2 steps");
    const log = lines(join(out, "trainer_log.jsonl"));
    expect(log.at(-1)?.step).toBe(2);
    if (method === "iopo") expect(log.some((row) => "rewards/accuracies_v2" in row)).toBe(true);
    const cfg = parse(readFileSync(join(EXAMPLES, file), "utf8"));
    if (cfg.finetuning_type === "lora") {
      expect(existsSync(join(out, "adapter_model.safetensors"))).toBe(true);
      expect(existsSync(join(out, "merged", "config.json"))).toBe(true);
    } else expect(existsSync(join(out, "config.json"))).toBe(true);
  });

  it("with a max_length that cuts the constraints away, IOPO says its groups train nothing", async () => {
    const out = join(root, "out", "iopo-cut");
    // biome-ignore format: one flag per pair
    const r = await iopoIn(root, [
      "train", "-c", join(EXAMPLES, "train-iopo.yaml"), "--max_steps", "1", "--output_dir", out, "--max_length", "40",
    ]);
    const groups = lines(join(demo, "data", "iopo", "iopo_groups.jsonl")).length;
    const warning = new RegExp(`warning: ${groups} of ${groups} IOPO groups have identical x1 and x2 prompt tokens`);
    expect(r.stderr).toMatch(warning); // at the start
    expect(r.stdout).toMatch(warning); // and in the summary
  });
});

describe("examples/*-plan.yaml: the experiment plans load and describe themselves", () => {
  it("the shipped plans are the demo's and the real-model template, and --dry-run lists their runs and calls", async () => {
    const plans = readdirSync(EXAMPLES).filter((f) => f.endsWith("-plan.yaml"));
    expect(plans.sort()).toEqual(["demo-plan.yaml", "experiment-plan.yaml"]);
    const r = await iopoIn(EXAMPLES, ["experiment", "-c", "experiment-plan.yaml", "--dry-run", "--with-rl"]);
    expect(r.stdout).toMatch(/iopo\s+iopo on the iopo data, seeds 1, 2, 3: 200 optimiser steps/);
    expect(r.stdout).toMatch(/rm \(ppo's reward\)\s+rm on the dpo data/);
    expect(r.stdout).toMatch(/grpo\s+grpo on the prompts data/);
    // the bundled TRACE evaluation set is the plan's eval_trace: its judge calls are counted
    expect(r.stdout).toMatch(/eval trace judge\s+\d+ calls to gpt-4o/);
    expect(r.stdout).toContain("ifeval        541 of 541 prompts");
  });
});
