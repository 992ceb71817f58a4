import { join, resolve } from "node:path";
import type { Command } from "commander";
import { DEMO_PLAN, loadPlan } from "../experiment/plan.js";
import { readJobInput, traceDryRun } from "../trace/job.js";
import { bundledDataPath } from "../util/paths.js";
import { runPlanCommand } from "./experiment.js";
import { intOption } from "./options.js";
import { addForceUnlockOption, type RunFolderFlags } from "./run-folder.js";

/**
 * `iopo demo` (= `npm run demo`): the paper's experiment in miniature, offline, with no network and no downloaded
 * model. It is `iopo experiment` on the shipped plan `examples/demo-plan.yaml`: the constraint world (src/world)
 * builds TRACE records, DPO pairs and IOPO groups through the real `trace build` / `pairs` chain, a tiny Qwen2
 * model over the world's word-level tokenizer is trained by SFT and then by every method from that checkpoint, and
 * each checkpoint is evaluated on held-out items by the world's rule judge. `--dry-run` describes the plan and
 * renders the construction prompts for the bundled example seeds without running anything.
 */
export function register(program: Command): void {
  const cmd = program
    .command("demo")
    .description(
      "Offline demo: the paper's comparison (SFT, DPO, IOPO, ablations, SimPO, ORPO, PPO, GRPO) on the built-in constraint world, three seeds",
    )
    .option("--output-dir <dir>", "run folder", join("runs", "demo"))
    .option("--seeds <n>", "seeds per method (the plan's default: 3)", intOption({ min: 1 }))
    .option("--quick", "one seed, fewer steps and items (under a minute on two idle cores; what the test suite runs)")
    .option("--with-rl", "add the PPO and GRPO rows when a --plan does not list them (the shipped plan does)")
    .option("--plan <file>", "another plan file (default: the shipped examples/demo-plan.yaml)")
    .option("--dry-run", "describe the plan and render the construction prompts; run nothing");
  addForceUnlockOption(cmd).action(async (opts: DemoFlags) => {
    const plan = loadPlan(opts.plan ?? DEMO_PLAN, { seeds: opts.seeds, quick: opts.quick, withRl: opts.withRl });
    if (opts.dryRun) {
      await runPlanCommand(plan, opts.outputDir, { dryRun: true });
      renderConstructionPrompts(resolve(opts.outputDir), (s) => process.stdout.write(s));
      return;
    }
    await runPlanCommand(plan, opts.outputDir, { forceUnlock: opts.forceUnlock });
  });
}

interface DemoFlags extends RunFolderFlags {
  outputDir: string;
  seeds?: number;
  quick?: boolean;
  withRl?: boolean;
  plan?: string;
  dryRun?: boolean;
}

/** The construction prompts of the bundled example seeds, English and Chinese, priced as gpt-4o-mini + gpt-4o. */
function renderConstructionPrompts(out: string, w: (s: string) => void): void {
  const seeds = bundledDataPath("seeds", "example_seeds.jsonl");
  w(`\n== Dry run of the TRACE construction pipeline on ${seeds} ==\n`);
  w("(costs priced as if gpt-4o-mini built the data and gpt-4o judged it; no endpoint is called)\n\n");
  const rows = readJobInput("build", seeds);
  for (const lang of ["en", "zh"] as const) {
    const { text } = traceDryRun("build", rows, {
      outputDir: join(out, `build-${lang}`),
      ctx: { lang, seed: 42 },
      model: "gpt-4o-mini",
      judgeModel: "gpt-4o",
      prices: {},
      expand: { minConstraints: 2, maxConstraints: 6 },
    });
    w(`${text}\n`);
  }
}
