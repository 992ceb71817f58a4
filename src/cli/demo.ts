import { isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { dataSummary } from "../pairs/data-summary.js";
import { readJobInput, traceDryRun } from "../trace/job.js";
import { BUNDLED_TRACE_EVALUATION, formatStats, statsOfFile } from "../trace/stats.js";
import { bundledDataPath } from "../util/paths.js";
import { rejectReasons, runWorldDemo, type WorldDemoResult } from "../world/demo-run.js";
import { intOption } from "./options.js";
import { addForceUnlockOption, inRunFolder, type RunFolderFlags, sayResumingJournals } from "./run-folder.js";

/**
 * `iopo demo`: the main job on the embedded offline default, runnable right after `npm install` with no network
 * and no model. It prints the statistics of the bundled TRACE evaluation set (paper Tables 1/2), then runs the
 * real data pipeline - `trace build`, `pairs iopo`, `pairs dpo` - on seed instructions from the offline
 * constraint world (src/world), whose programs answer every call in the roles the paper gives to Qwen2-72B and
 * GPT-4o. `--dry-run` instead renders the construction prompts for the bundled example seeds without any call.
 */
export function register(program: Command): void {
  const cmd = program
    .command("demo")
    .description("Offline demo: TRACE statistics, then trace build + pairs iopo/dpo on the built-in constraint world")
    .option("--output-dir <dir>", "run folder", join("runs", "demo"))
    .option("--seeds <n>", "number of seed instructions drawn from the world", intOption({ min: 1 }), 40)
    .option("--seed <n>", "seed of the world generator and of the pipeline", intOption({ min: 0 }), 42)
    .option("-j, --concurrency <n>", "calls in flight", intOption({ min: 1 }), 8)
    .option("--dry-run", "only render the construction prompts for the bundled example seeds (no pipeline run)");
  addForceUnlockOption(cmd).action(async (opts: DemoOptions & RunFolderFlags) => {
    // one run writes the run folder at a time (its lock is released at the end, on error and on Ctrl-C)
    await inRunFolder(opts.outputDir, opts, () => runDemo(opts));
  });
}

interface DemoOptions {
  outputDir: string;
  seeds: number;
  seed: number;
  concurrency: number;
  dryRun?: boolean;
}

export async function runDemo(opts: DemoOptions): Promise<WorldDemoResult | undefined> {
  const out = resolve(opts.outputDir);
  const w = (s: string) => process.stdout.write(s);
  w("== 1. The bundled TRACE evaluation set (paper Tables 1 and 2) ==\n\n");
  w(formatStats(statsOfFile(BUNDLED_TRACE_EVALUATION)));
  if (opts.dryRun) {
    dryRun(out, w);
    return undefined;
  }
  const started = Date.now();
  const journals = ["trace", "iopo", "dpo"].map((d) => join(out, d, "journal"));
  sayResumingJournals(out, journals);
  w(`\n== 2. trace build on ${opts.seeds} seed instructions of the offline constraint world ==\n`);
  const r = await runWorldDemo({ outputDir: out, seeds: opts.seeds, seed: opts.seed, concurrency: opts.concurrency });
  w(formatSummaryBlock(r.trace));
  w("\n== 3. pairs iopo: IOPO groups <x1, y1, x2, y2> (appendix D) ==\n");
  w(formatSummaryBlock(r.iopo));
  w("\n== 4. pairs dpo: DPO pairs (appendix C) ==\n");
  w(formatSummaryBlock(r.dpo));
  w(`\n== What happened ==\n\n${whatHappened(r, out, Date.now() - started)}\n`);
  return r;
}

function formatSummaryBlock(s: WorldDemoResult["trace"]): string {
  const lines = ["", "stage              in    out  rejected  parse_fail  resumed  calls"];
  for (const st of s.stages) {
    lines.push(
      `${st.stage.padEnd(17)} ${String(st.rows_in).padStart(4)} ${String(st.rows_out).padStart(6)} ${String(st.rejected).padStart(9)} ${String(st.parse_failures).padStart(11)} ${String(st.resumed).padStart(8)} ${String(st.calls).padStart(6)}`,
    );
  }
  const reasons = Object.entries(rejectReasons(s)).map(([k, n]) => `${k} x${n}`);
  lines.push(
    "",
    `rows in ${s.rows_in}, out ${s.rows_out}, rejected ${s.rejected}${reasons.length ? ` (${reasons.join(", ")})` : ""}; parse failures ${s.parse_failures}, call failures ${s.call_failures}`,
  );
  return `${lines.join("\n")}\n`;
}

function whatHappened(r: WorldDemoResult, out: string, ms: number): string {
  const rejected = (s: WorldDemoResult["trace"], stage: string) =>
    s.stages.find((x) => x.stage === stage)?.rejected ?? 0;
  const calls = r.worldCalls.constructor + r.worldCalls.judge;
  const ops = r.operations;
  const story =
    "The offline constraint world stood in for the paper's models: world:constructor in Qwen2-72B's roles (expand, " +
    "structure, respond, worse answer, x2 edit) and world:judge in GPT-4o's (completeness, redundancy, response " +
    `judge). From ${r.trace.rows_in} seed instructions the chain kept ${r.trace.rows_out} judged records; ` +
    `the structurer skipped ${rejected(r.trace, "structure")} contradictory instructions (B.2), the completeness judge ` +
    `rejected ${rejected(r.trace, "filter_complete")} (a lost input), the redundancy judge ` +
    `${rejected(r.trace, "filter_redundant")} (a constraint also in the task description) and the response judge ` +
    `${rejected(r.trace, "judge")} (responses that broke a constraint). From those records pairs iopo kept ` +
    `${r.iopo.rows_out} groups (add ${ops.operation_add ?? 0}, delete ${ops.operation_delete ?? 0}, revise ` +
    `${ops.operation_revise ?? 0}; ${r.iopo.rejected} rejected) and pairs dpo kept ${r.dpo.rows_out} pairs ` +
    `(${r.dpo.rejected} rejected). Every reject is listed with its stage and reason in a rejects.jsonl.`;
  const callsLine =
    `World calls in this run: ${calls}${calls === 0 ? " (everything was resumed from the journals of the previous run)" : ""}, ` +
    `${(ms / 1000).toFixed(1)} s.`;
  const data = dataSummary({
    traceFile: join(r.dirs.trace, "trace.jsonl"),
    groupsFile: join(r.dirs.iopo, "iopo_groups.jsonl"),
    pairsFile: join(r.dirs.dpo, "dpo_pairs.jsonl"),
  });
  const files = [
    [r.seedsFile, "seed instructions"],
    [join(r.dirs.trace, "trace.jsonl"), "TRACE records (rejects.jsonl, summary.json, stages/ beside it)"],
    [join(r.dirs.iopo, "iopo_groups.jsonl"), "IOPO groups"],
    [join(r.dirs.dpo, "dpo_pairs.jsonl"), "DPO pairs"],
  ].map(
    ([f, what]) =>
      `  ${shown(f).padEnd(Math.max(...[r.seedsFile, join(r.dirs.iopo, "iopo_groups.jsonl")].map((x) => shown(x).length)) + 2)}${what}`,
  );
  return [
    wrap(story, 110),
    callsLine,
    "",
    ...data,
    "",
    `Files in ${shown(out)}:`,
    ...files,
    "",
    "Next: the same chain against any OpenAI-compatible endpoint, e.g.",
    "  export OPENAI_BASE_URL=http://localhost:8000/v1 OPENAI_API_KEY=...",
    `  iopo trace build --input ${shown(r.seedsFile)} --output-dir runs/trace --model Qwen2-72B-Instruct --judge-model gpt-4o`,
    "  iopo pairs iopo --input runs/trace/trace.jsonl --output-dir runs/iopo --model Qwen2-72B-Instruct --judge-model gpt-4o",
    "  iopo pairs dpo --input runs/trace/trace.jsonl --output-dir runs/dpo --model Qwen2-72B-Instruct --judge-model gpt-4o",
  ].join("\n");
}

/** A path relative to the working directory when it lies inside it, else absolute. */
function shown(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? p : rel;
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

function dryRun(out: string, w: (s: string) => void): void {
  const seeds = bundledDataPath("seeds", "example_seeds.jsonl");
  w(`\n== 2. Dry run of the TRACE construction pipeline on ${seeds} ==\n`);
  w("(costs priced as if gpt-4o-mini built the data and gpt-4o judged it; no endpoint is called)\n\n");
  const rows = readJobInput("build", seeds);
  for (const lang of ["en", "zh"] as const) {
    const { text } = traceDryRun("build", rows, {
      outputDir: join(out, `build-${lang}`),
      ctx: { lang, seed: 42 },
      model: "gpt-4o-mini",
      judgeModel: "gpt-4o",
      prices: {},
    });
    w(`${text}\n`);
  }
}
