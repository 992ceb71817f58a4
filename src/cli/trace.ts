import { type Command, Option } from "commander";
import type { ManagedChatModel } from "../llm/create-chat-model.js";
import { isFatalLlmError } from "../llm/errors.js";
import { formatSummary } from "../stages/pipeline.js";
import type { PipelineRow } from "../stages/stage.js";
import type { PromptLang } from "../taxonomy/render.js";
import { CountSpecError, DEFAULT_COUNT_SPEC, loadCountDistribution } from "../trace/constraint-counts.js";
import { type ExpandOptions, expansionCounts } from "../trace/expand.js";
import { jobOutputDir, readJobInput, runTraceJob, type TraceJob, traceDryRun } from "../trace/job.js";
import { detectLang } from "../trace/lang.js";
import { runFiles } from "../trace/pipeline.js";
import { Progress } from "../util/progress.js";
import { addJudgeEndpointOptions, addLlmOptions, priceOptionsFromCli } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";
import { addForceUnlockOption, lockRunFolder, type RunFolderFlags, sayResumingJournals } from "./run-folder.js";
import { addCallFailureOption, createTraceModels, failIfRunFailed, type TraceModelValues } from "./trace-models.js";

/**
 * `iopo trace build|expand|structure|filter|respond|judge`: the TRACE construction workflow (paper section 4.1,
 * appendix B) against any OpenAI-compatible endpoint. The API key comes from OPENAI_API_KEY only.
 */

interface TraceCliOptions extends TraceModelValues, RunFolderFlags {
  input: string;
  outputDir?: string;
  output?: string;
  concurrency: number;
  lang: PromptLang | "auto";
  seed: number;
  parseRetries: number;
  constraintCounts: string;
  filterFaithfulness?: boolean;
  filterConsistency?: boolean;
  minConstraints?: number;
  maxConstraints?: number;
  progress: "auto" | "tty" | "json" | "none";
  maxCallFailures: number;
}

/** The shared LLM flags (src/cli/llm-options.ts) plus the data engine's own. */
function withCommonOptions(cmd: Command): Command {
  return addJudgeEndpointOptions(
    addForceUnlockOption(addCallFailureOption(addLlmOptions(cmd))),
    "model for the quality-control and response judges (default: --model)",
  )
    .addOption(new Option("--lang <lang>", "prompt language").choices(["en", "zh", "auto"]).default("auto"))
    .option("--seed <n>", "seed for sampling (suggested dimensions) and the request seed", intOption({ min: 0 }), 42)
    .option(
      "--parse-retries <n>",
      "re-ask a model whose reply cannot be read, showing it the bad reply (0 = keep it as a parse failure)",
      intOption({ min: 0 }),
      0,
    )
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["auto", "tty", "json", "none"]).default("auto"),
    );
}

/** How many constraints the expander asks for (build and expand): a distribution, optionally truncated. */
function withCountOptions(cmd: Command): Command {
  return cmd
    .option(
      "--constraint-counts <spec>",
      "distribution of the number of constraints per instruction: paper-train (Table 2, training row), paper-eval, " +
        "uniform:MIN-MAX, or a JSON/JSONL file",
      DEFAULT_COUNT_SPEC,
    )
    .option(
      "--min-constraints <n>",
      "truncate the distribution: fewest constraints per instruction",
      intOption({ min: 1 }),
    )
    .option(
      "--max-constraints <n>",
      "truncate the distribution: most constraints per instruction",
      intOption({ min: 1 }),
    );
}

/** The optional quality-control stages (build and filter); the paper has neither. */
function withFilterOptions(cmd: Command): Command {
  return cmd
    .option(
      "--filter-faithfulness",
      "also judge whether the structured instruction keeps the original's task, constraints and input (not in the paper)",
    )
    .option(
      "--filter-consistency",
      "also judge whether constraints repeat, imply or contradict each other (not in the paper)",
    );
}

/** The expander's count distribution from the flags (a bad spec or an empty truncation is a usage error). */
function expandOptions(opts: TraceCliOptions): ExpandOptions {
  try {
    const counts = loadCountDistribution(opts.constraintCounts);
    const expand = { counts, minConstraints: opts.minConstraints, maxConstraints: opts.maxConstraints };
    expansionCounts(expand); // validates the truncation
    return expand;
  } catch (err) {
    if (err instanceof CountSpecError) throw new UsageError(`--constraint-counts: ${err.message}`);
    throw err;
  }
}

export function register(program: Command): void {
  const trace =
    program.commands.find((c) => c.name() === "trace") ??
    program
      .command("trace")
      .description("TRACE data engine: turn simple instructions into judged multi-constraint ones (paper 4.1)");

  withCommonOptions(
    withFilterOptions(
      withCountOptions(
        trace
          .command("build")
          .description("Run the whole chain: expand -> structure -> filter -> respond -> judge")
          .requiredOption("--input <file>", 'seed instructions, JSONL rows {"instruction": "..."} (optional "id")')
          .requiredOption("--output-dir <dir>", "run folder: trace.jsonl, rejects.jsonl, stages/, summary.json"),
      ),
    ),
  ).action(async (opts: TraceCliOptions) => {
    await runTraceCommand("build", opts);
  });

  const single: [Exclude<TraceJob, "build">, string, string][] = [
    ["expand", "Stage 1 (B.1): add constraints to simple instructions", 'JSONL rows {"instruction": "..."}'],
    ["structure", "Stage 2 (B.2): split into #Task Description / #Constraints / #Input", "output of `trace expand`"],
    [
      "filter",
      "Stage 3 (B.3, B.4): completeness and redundancy judges (+ optional extra checks)",
      "output of `trace structure`",
    ],
    ["respond", "Stage 4: generate a response to each instruction", "structured rows or TRACE records"],
    ["judge", "Stage 5 (B.5): score each constraint 0-10; keep all-10 items", "rows with a response"],
  ];
  for (const [name, description, input] of single) {
    const cmd = trace
      .command(name)
      .description(description)
      .requiredOption("--input <file>", input)
      .requiredOption("-o, --output <file>", "kept rows (JSONL); rejects go to <output>.rejects.jsonl");
    if (name === "expand") withCountOptions(cmd);
    if (name === "filter") withFilterOptions(cmd);
    withCommonOptions(cmd).action(async (opts: TraceCliOptions) => {
      await runTraceCommand(name, opts);
    });
  }
}

/** A job holds its run folder (build) or output file (one stage) for its lifetime: one run writes it at a time. */
async function runTraceCommand(job: TraceJob, opts: TraceCliOptions): Promise<void> {
  // Validate the whole input before any call: a bad row fails with file:line:field and nothing is written.
  const rows = readJobInput(job, opts.input);
  const lock = lockRunFolder(job === "build" ? opts.outputDir! : opts.output!, opts, job === "build" ? "dir" : "file");
  try {
    await traceCommand(job, opts, rows);
  } finally {
    lock.release();
  }
}

async function traceCommand(job: TraceJob, opts: TraceCliOptions, rows: PipelineRow[]): Promise<void> {
  const lang: PromptLang = opts.lang === "auto" ? detectLang(rows) : opts.lang;
  const ctx = { lang, seed: opts.seed };
  const output = job === "build" ? opts.outputDir! : opts.output!;
  const expand = job === "build" || job === "expand" ? expandOptions(opts) : undefined;
  const filters = { faithfulness: opts.filterFaithfulness, consistency: opts.filterConsistency };

  if (opts.dryRun) {
    const { text } = traceDryRun(job, rows, {
      outputDir: jobOutputDir(job, output),
      ctx,
      model: opts.model ?? "model",
      judgeModel: opts.judgeModel,
      prices: priceOptionsFromCli(opts),
      expand,
      filters,
    });
    process.stdout.write(text);
    return;
  }

  const progress = new Progress({
    tty: opts.progress === "tty" ? true : opts.progress === "json" ? false : undefined,
    silent: opts.progress === "none",
    barCounters: ["prompt_tokens", "completion_tokens", "est_cost_usd", "call_failures", "retries", "rate_limited"],
    barLabels: {
      prompt_tokens: "tok_in",
      completion_tokens: "tok_out",
      est_cost_usd: "usd",
      call_failures: "failed",
      retries: "retry",
      rate_limited: "429s",
    },
  });
  sayResumingJournals(output, [runFiles(job === "build", output).journalDir]);
  const models = createTraceModels(opts, progress);
  let result: Awaited<ReturnType<typeof runTraceJob>>;
  try {
    result = await runTraceJob(job, rows, {
      output,
      model: models.model,
      judgeModel: models.judge,
      ctx,
      expand,
      filters,
      concurrency: opts.concurrency,
      progress,
      failFast: opts.failFast,
      maxCallFailures: opts.maxCallFailures,
      parseRetries: opts.parseRetries,
      isFatal: isFatalLlmError,
      costOf: (m, usage) => models.costOf(m as ManagedChatModel, usage),
      extraCounters: () => models.counters(),
    });
  } finally {
    progress.stop();
    models.close();
  }
  const { summary, files } = result;
  process.stdout.write(formatSummary(summary));
  process.stdout.write(`wrote ${files.final}, ${files.rejects}, ${files.summary}\n`);
  failIfRunFailed(summary);
}
