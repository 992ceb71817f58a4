import { type Command, Option } from "commander";
import type { ManagedChatModel } from "../llm/create-chat-model.js";
import { isFatalLlmError } from "../llm/errors.js";
import { type PairsJob, readPairsJobInput, runPairsJob } from "../pairs/job.js";
import { formatSummary } from "../stages/pipeline.js";
import type { PromptLang } from "../taxonomy/render.js";
import { detectLang } from "../trace/lang.js";
import { Progress } from "../util/progress.js";
import { addJudgeEndpointOptions, addLlmOptions } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";
import { createTraceModels, failIfCallsKeptNothing, type TraceModelValues } from "./trace-models.js";

/**
 * `iopo pairs dpo|iopo`: preference data from TRACE records with full-score responses (paper appendices C and D),
 * through the same LLM layer, stage runner, journals and summaries as `iopo trace`.
 */

interface PairsCliOptions extends TraceModelValues {
  input: string;
  outputDir: string;
  lang: PromptLang | "auto";
  seed: number;
  equaliseTokens?: boolean;
  progress: "auto" | "tty" | "json" | "none";
}

function withOptions(cmd: Command): Command {
  const withLlm = addLlmOptions(
    cmd
      .requiredOption(
        "--input <file>",
        "TRACE records with a full-score `response` (e.g. trace.jsonl of `trace build`)",
      )
      .requiredOption("--output-dir <dir>", "run folder (outputs, rejects.jsonl, stages/, summary.json, journal/)"),
  );
  return addJudgeEndpointOptions(withLlm, "model for the B.5 judge (default: --model)")
    .addOption(new Option("--lang <lang>", "prompt language").choices(["en", "zh", "auto"]).default("auto"))
    .option("--seed <n>", "seed for the ADD/DELETE/REVISE draw and the request seed", intOption({ min: 0 }), 42)
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["auto", "tty", "json", "none"]).default("auto"),
    );
}

export function register(program: Command): void {
  const pairs =
    program.commands.find((c) => c.name() === "pairs") ??
    program.command("pairs").description("Preference data: DPO pairs (appendix C) and IOPO groups (appendix D)");
  withOptions(
    pairs
      .command("dpo")
      .description("DPO pairs: a worse answer per record, kept when the judge scores it lower (appendix C)"),
  ).action(async (opts: PairsCliOptions) => {
    await runPairsCommand("dpo", opts);
  });
  withOptions(
    pairs
      .command("iopo")
      .description("IOPO groups <x1,y1,x2,y2>: edit constraints, answer x2, judge both ways (appendix D)")
      .option("--equalise-tokens", "also write DPO* and SFT* rows from the same groups (paper figures 4-5)"),
  ).action(async (opts: PairsCliOptions) => {
    await runPairsCommand("iopo", opts);
  });
}

async function runPairsCommand(job: PairsJob, opts: PairsCliOptions): Promise<void> {
  const input = readPairsJobInput(job, opts.input);
  const lang: PromptLang = opts.lang === "auto" ? detectLang(input.rows) : opts.lang;
  if (opts.dryRun) throw new UsageError("--dry-run is not supported by `pairs` yet; use `trace --dry-run`");
  const progress = new Progress({
    tty: opts.progress === "tty" ? true : opts.progress === "json" ? false : undefined,
    silent: opts.progress === "none",
    barCounters: ["prompt_tokens", "completion_tokens", "est_cost_usd", "call_failures", "retries", "rate_limited"],
  });
  const models = createTraceModels(opts, progress);
  let result: Awaited<ReturnType<typeof runPairsJob>>;
  try {
    result = await runPairsJob(job, input, {
      outputDir: opts.outputDir,
      model: models.model,
      judgeModel: models.judge,
      ctx: { lang, seed: opts.seed },
      concurrency: opts.concurrency,
      progress,
      failFast: opts.failFast,
      isFatal: isFatalLlmError,
      costOf: (m, usage) => models.costOf(m as ManagedChatModel, usage),
      extraCounters: () => models.counters(),
      equaliseTokens: opts.equaliseTokens,
    });
  } finally {
    progress.stop();
    models.close();
  }
  process.stdout.write(formatSummary(result.summary));
  if (input.notFullScore.length) {
    process.stdout.write(`${input.notFullScore.length} input record(s) without a full score were set aside\n`);
  }
  process.stdout.write(`wrote ${result.outFile}, ${result.rejectsFile}\n`);
  failIfCallsKeptNothing(result.summary, result.rejectsFile);
}
