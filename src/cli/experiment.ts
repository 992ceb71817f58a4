import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { resultsTable } from "../experiment/aggregate.js";
import { describePlan } from "../experiment/dry-run.js";
import { loadPlan, type ResolvedPlan } from "../experiment/plan.js";
import { type ExperimentOutcome, runExperiment } from "../experiment/run.js";
import { writeReport } from "../report/html.js";
import { TrainingProgress } from "../train/progress.js";
import { intOption, UsageError } from "./options.js";
import { addForceUnlockOption, inRunFolder, type RunFolderFlags, sayResuming } from "./run-folder.js";

/**
 * `iopo experiment -c PLAN.yaml`: the paper's comparison on a researcher's own setup (model folder, data files or a
 * `trace build` + `pairs` step against endpoints, methods, seeds, evaluations). Thin: the work is in src/experiment/.
 */
export function register(program: Command): void {
  const cmd = program
    .command("experiment")
    .description("run a comparison plan: SFT, then every method x seed from it, evaluate every checkpoint, tabulate")
    .requiredOption(
      "-c, --config <file>",
      "the plan (YAML; see examples/experiment-plan.yaml, examples/demo-plan.yaml and the README)",
    )
    .option("--output-dir <dir>", "run folder (default: runs/<plan name>)")
    .option("--seeds <n>", "use seeds 1..n instead of the plan's", intOption({ min: 1 }))
    .option("--quick", "apply the plan's quick: block (fewer seeds, steps and items)")
    .option("--with-rl", "add the rows ppo and grpo when the plan does not list them")
    .option("--dry-run", "print the resolved plan, the runs and their optimiser steps, and the calls it would make");
  addForceUnlockOption(cmd).action(async (opts: ExperimentFlags) => {
    const plan = loadPlan(opts.config, { seeds: opts.seeds, quick: opts.quick, withRl: opts.withRl });
    await runPlanCommand(plan, opts.outputDir ?? `runs/${plan.name}`, {
      dryRun: opts.dryRun === true,
      forceUnlock: opts.forceUnlock,
    });
  });
}

interface ExperimentFlags extends RunFolderFlags {
  config: string;
  outputDir?: string;
  seeds?: number;
  quick?: boolean;
  withRl?: boolean;
  dryRun?: boolean;
}

/** Run (or describe) a plan, printing phases, per-run progress and the results table; shared with `iopo demo`. */
export async function runPlanCommand(
  plan: ResolvedPlan,
  outputDir: string,
  flags: { dryRun?: boolean } & RunFolderFlags,
): Promise<ExperimentOutcome | undefined> {
  const out = resolve(outputDir);
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (flags.dryRun) {
    w(describePlan(plan, out));
    return undefined;
  }
  if (plan.methods.length === 0) throw new UsageError("the plan has no methods");
  // One experiment per run folder at a time; a rerun continues where the last one stopped, and says so.
  return inRunFolder(out, flags, async () => {
    if (existsSync(join(out, "plan.yaml"))) sayResuming(`${out} (finished phases, runs and evaluations are kept)`);
    return runLocked(plan, out, w);
  });
}

async function runLocked(plan: ResolvedPlan, out: string, w: (s: string) => void): Promise<ExperimentOutcome> {
  const started = Date.now();
  const progress = new ExperimentProgress(process.stderr);
  const outcome = await runExperiment(plan, {
    outputDir: out,
    log: w,
    onTrainLog: (run, total, row) => progress.train(run, total, row),
    onTrainEnd: (run) => progress.end(run),
    onEvalProgress: (run, stage, done, total) => progress.evaluate(run, stage, done, total),
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

/**
 * Per-run progress: a bar per training run on a terminal; otherwise one JSON line on stderr at most every 5 s per
 * run and at its end (`{"progress":"train","run":"iopo/seed-1","step":20,"total_steps":40,"loss":0.52,...}`), so
 * logs of long experiments stay short.
 */
class ExperimentProgress {
  private bar: TrainingProgress | undefined;
  private last = new Map<string, number>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  train(run: string, total: number, row: Record<string, unknown>): void {
    if (this.stream.isTTY) {
      this.bar ??= new TrainingProgress(total, this.stream);
      this.bar.update(row);
      return;
    }
    const step = Number(row.step);
    if (step < total && !this.due(run)) return;
    const pick = ["loss", "rewards/accuracies", "rewards/margins", "learning_rate"].filter(
      (k) => typeof row[k] === "number",
    );
    this.json({
      progress: "train",
      run,
      step,
      total_steps: total,
      ...Object.fromEntries(pick.map((k) => [k, row[k]])),
    });
  }

  end(run: string): void {
    this.bar?.stop();
    this.bar = undefined;
    this.last.delete(run);
  }

  evaluate(run: string, stage: string, done: number, total: number): void {
    if (this.stream.isTTY) return; // the phase lines say which checkpoint is being evaluated
    if (done < total && !this.due(`${run}:${stage}`)) return;
    this.json({ progress: "evaluate", run, stage, done, total });
  }

  private due(key: string): boolean {
    const now = Date.now();
    if (now - (this.last.get(key) ?? 0) < 5000) return false;
    this.last.set(key, now);
    return true;
  }

  private json(o: Record<string, unknown>): void {
    this.stream.write(`${JSON.stringify(o)}\n`);
  }
}
