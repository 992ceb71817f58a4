import { type Command, Option } from "commander";
import type { ManagedChatModel } from "../llm/create-chat-model.js";
import { isFatalLlmError } from "../llm/errors.js";
import { formatSummary } from "../stages/pipeline.js";
import type { PromptLang } from "../taxonomy/render.js";
import { jobOutputDir, readJobInput, runTraceJob, type TraceJob, traceDryRun } from "../trace/job.js";
import { detectLang } from "../trace/lang.js";
import { Progress } from "../util/progress.js";
import { addJudgeEndpointOptions, addLlmOptions, priceOptionsFromCli } from "./llm-options.js";
import { intOption } from "./options.js";
import { createTraceModels, failIfCallsKeptNothing, type TraceModelValues } from "./trace-models.js";

/**
 * `iopo trace build|expand|structure|filter|respond|judge`: the TRACE construction workflow (paper section 4.1,
 * appendix B) against any OpenAI-compatible endpoint. The API key comes from OPENAI_API_KEY only.
 */

interface TraceCliOptions extends TraceModelValues {
  input: string;
  outputDir?: string;
  output?: string;
  concurrency: number;
  lang: PromptLang | "auto";
  seed: number;
  parseRetries: number;
  minConstraints: number;
  maxConstraints: number;
  progress: "auto" | "tty" | "json" | "none";
}

/** The shared LLM flags (src/cli/llm-options.ts) plus the data engine's own. */
function withCommonOptions(cmd: Command): Command {
  return addJudgeEndpointOptions(
    addLlmOptions(cmd),
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

export function register(program: Command): void {
  const trace =
    program.commands.find((c) => c.name() === "trace") ??
    program
      .command("trace")
      .description("TRACE data engine: turn simple instructions into judged multi-constraint ones (paper 4.1)");

  withCommonOptions(
    trace
      .command("build")
      .description("Run the whole chain: expand -> structure -> filter -> respond -> judge")
      .requiredOption("--input <file>", 'seed instructions, JSONL rows {"instruction": "..."} (optional "id")')
      .requiredOption("--output-dir <dir>", "run folder: trace.jsonl, rejects.jsonl, stages/, summary.json")
      .option("--min-constraints <n>", "fewest constraints to add per instruction", intOption({ min: 1 }), 2)
      .option("--max-constraints <n>", "most constraints to add per instruction", intOption({ min: 1 }), 6),
  ).action(async (opts: TraceCliOptions) => {
    await runTraceCommand("build", opts);
  });

  const single: [Exclude<TraceJob, "build">, string, string][] = [
    ["expand", "Stage 1 (B.1): add constraints to simple instructions", 'JSONL rows {"instruction": "..."}'],
    ["structure", "Stage 2 (B.2): split into #Task Description / #Constraints / #Input", "output of `trace expand`"],
    ["filter", "Stage 3 (B.3, B.4): completeness and redundancy judges", "output of `trace structure`"],
    ["respond", "Stage 4: generate a response to each instruction", "structured rows or TRACE records"],
    ["judge", "Stage 5 (B.5): score each constraint 0-10; keep all-10 items", "rows with a response"],
  ];
  for (const [name, description, input] of single) {
    const cmd = trace
      .command(name)
      .description(description)
      .requiredOption("--input <file>", input)
      .requiredOption("-o, --output <file>", "kept rows (JSONL); rejects go to <output>.rejects.jsonl");
    if (name === "expand") {
      cmd
        .option("--min-constraints <n>", "fewest constraints to add", intOption({ min: 1 }), 2)
        .option("--max-constraints <n>", "most constraints to add", intOption({ min: 1 }), 6);
    }
    withCommonOptions(cmd).action(async (opts: TraceCliOptions) => {
      await runTraceCommand(name, opts);
    });
  }
}

async function runTraceCommand(job: TraceJob, opts: TraceCliOptions): Promise<void> {
  // Validate the whole input before any call: a bad row fails with file:line:field and nothing is written.
  const rows = readJobInput(job, opts.input);
  const lang: PromptLang = opts.lang === "auto" ? detectLang(rows) : opts.lang;
  const ctx = { lang, seed: opts.seed };
  const output = job === "build" ? opts.outputDir! : opts.output!;
  const expand = { minConstraints: opts.minConstraints, maxConstraints: opts.maxConstraints };

  if (opts.dryRun) {
    const { text } = traceDryRun(job, rows, {
      outputDir: jobOutputDir(job, output),
      ctx,
      model: opts.model ?? "model",
      judgeModel: opts.judgeModel,
      prices: priceOptionsFromCli(opts),
      expand,
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
  const models = createTraceModels(opts, progress);
  let result: Awaited<ReturnType<typeof runTraceJob>>;
  try {
    result = await runTraceJob(job, rows, {
      output,
      model: models.model,
      judgeModel: models.judge,
      ctx,
      expand,
      concurrency: opts.concurrency,
      progress,
      failFast: opts.failFast,
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
  failIfCallsKeptNothing(summary, files.rejects);
}
