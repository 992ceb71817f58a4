import { join, resolve } from "node:path";
import type { Command } from "commander";
import { resultsTable } from "../experiment/aggregate.js";
import { describePlan } from "../experiment/dry-run.js";
import { loadPlan, type ResolvedPlan } from "../experiment/plan.js";
import { type ExperimentOutcome, runExperiment } from "../experiment/run.js";
import { writeReport } from "../report/html.js";
import { TrainingProgress } from "../train/progress.js";
import { intOption, UsageError } from "./options.js";

/**
 * `iopo experiment -c PLAN.yaml`: the paper's comparison on a researcher's own setup (model folder, data files or a
 * `trace build` + `pairs` step against endpoints, methods, seeds, evaluations). Thin: the work is in src/experiment/.
 */
export function register(program: Command): void {
  program
    .command("experiment")
    .description("run a comparison plan: SFT, then every method x seed from it, evaluate every checkpoint, tabulate")
    .requiredOption("-c, --config <file>", "the plan (YAML; see examples/demo-plan.yaml and the README)")
    .option("--output-dir <dir>", "run folder (default: runs/<plan name>)")
    .option("--seeds <n>", "use seeds 1..n instead of the plan's", intOption({ min: 1 }))
    .option("--quick", "apply the plan's quick: block (fewer seeds, steps and items)")
    .option("--dry-run", "print the resolved plan, the runs and their optimiser steps, and the calls it would make")
    .action(async (opts: ExperimentFlags) => {
      const plan = loadPlan(opts.config, { seeds: opts.seeds, quick: opts.quick });
      await runPlanCommand(plan, opts.outputDir ?? `runs/${plan.name}`, opts.dryRun === true);
    });
}

interface ExperimentFlags {
  config: string;
  outputDir?: string;
  seeds?: number;
  quick?: boolean;
  dryRun?: boolean;
}

/** Run (or describe) a plan, printing phases, per-run progress and the results table; shared with `iopo demo`. */
export async function runPlanCommand(
  plan: ResolvedPlan,
  outputDir: string,
  dryRun: boolean,
): Promise<ExperimentOutcome | undefined> {
  const out = resolve(outputDir);
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (dryRun) {
    w(describePlan(plan, out));
    return undefined;
  }
  if (plan.methods.length === 0) throw new UsageError("the plan has no methods");
  const started = Date.now();
  const bars = new Map<string, TrainingProgress>();
  const outcome = await runExperiment(plan, {
    outputDir: out,
    log: w,
    onTrainLog: (run, total, row) => {
      let bar = bars.get(run);
      if (!bar) {
        bar = new TrainingProgress(total);
        bars.set(run, bar);
      }
      bar.update(row);
    },
    onTrainEnd: (run) => {
      bars.get(run)?.stop();
      bars.delete(run);
    },
  });
  const r = outcome.results;
  w("");
  w(resultsTable(r));
  w("");
  w(`Mean ± sample standard deviation over seeds ${r.seeds.join(", ")}; rates in percent.`);
  for (const v of r.verdict) w(`- ${v}`);
  w("");
  w(
    `Wall time: ${r.phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(", ")}; total ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
  w(`Results: ${outcome.resultsFile} and ${outcome.markdownFile}`);
  const page = writeReport([out], join(out, "report.html"), { title: `iopo ${plan.name}` });
  w(`Report: ${page} (open it in a browser: data, training curves, results, every item)`);
  return outcome;
}
