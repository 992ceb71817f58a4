import { join } from "node:path";
import { type Command, Option } from "commander";
import { readJsonl } from "../data/jsonl.js";
import type { IopoGroup } from "../data/schemas.js";
import type { ManagedChatModel } from "../llm/create-chat-model.js";
import { isFatalLlmError } from "../llm/errors.js";
import { formatGroupMix, RATIONALITY_MODES, type RationalityMode } from "../pairs/iopo-builder.js";
import { type PairsJob, readPairsJobInput, runPairsJob } from "../pairs/job.js";
import type { PreparedRecords } from "../pairs/records.js";
import { formatSummary } from "../stages/pipeline.js";
import type { PromptLang } from "../taxonomy/render.js";
import { detectLang } from "../trace/lang.js";
import { Progress } from "../util/progress.js";
import { addJudgeEndpointOptions, addLlmOptions } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";
import { addForceUnlockOption, lockRunFolder, type RunFolderFlags, sayResumingJournals } from "./run-folder.js";
import { addCallFailureOption, createTraceModels, failIfRunFailed, type TraceModelValues } from "./trace-models.js";

/**
 * `iopo pairs dpo|iopo`: preference data from TRACE records with full-score responses (paper appendices C and D),
 * through the same LLM layer, stage runner, journals and summaries as `iopo trace`.
 */

interface PairsCliOptions extends TraceModelValues, RunFolderFlags {
  input: string;
  outputDir: string;
  lang: PromptLang | "auto";
  seed: number;
  equaliseTokens?: boolean;
  rationality?: RationalityMode;
  filterWorse?: boolean;
  progress: "auto" | "tty" | "json" | "none";
  maxCallFailures: number;
}

function withOptions(cmd: Command): Command {
  const withLlm = addCallFailureOption(
    addLlmOptions(
      addForceUnlockOption(cmd)
        .requiredOption(
          "--input <file>",
          "TRACE records with a full-score `response` (e.g. trace.jsonl of `trace build`)",
        )
        .requiredOption("--output-dir <dir>", "run folder (outputs, rejects.jsonl, stages/, summary.json, journal/)"),
    ),
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
      .description(
        "DPO pairs: a worse answer per record, judged; every pair kept as in appendix C unless --filter-worse",
      )
      .option(
        "--filter-worse",
        "keep a pair only when the judge scores the worse answer lower (not in the paper; the summary always reports what it would drop)",
      ),
  ).action(async (opts: PairsCliOptions) => {
    await runPairsCommand("dpo", opts);
  });
  withOptions(
    pairs
      .command("iopo")
      .description("IOPO groups <x1,y1,x2,y2>: edit constraints, answer x2, judge both ways (appendix D)")
      .option("--equalise-tokens", "also write DPO* and SFT* rows from the same groups (paper figures 4-5)")
      .addOption(
        new Option(
          "--rationality <mode>",
          "group: keep a group when at least one cross pair fails (the paper's group preference, eq. 6); " +
            "strict: both cross pairs must fail",
        )
          .choices(RATIONALITY_MODES)
          .default("group"),
      ),
  ).action(async (opts: PairsCliOptions) => {
    await runPairsCommand("iopo", opts);
  });
}

/** A job holds its run folder for its lifetime: one run writes it at a time. */
async function runPairsCommand(job: PairsJob, opts: PairsCliOptions): Promise<void> {
  const input = readPairsJobInput(job, opts.input);
  const lock = lockRunFolder(opts.outputDir, opts);
  try {
    await pairsCommand(job, opts, input);
  } finally {
    lock.release();
  }
}

async function pairsCommand(job: PairsJob, opts: PairsCliOptions, input: PreparedRecords): Promise<void> {
  const lang: PromptLang = opts.lang === "auto" ? detectLang(input.rows) : opts.lang;
  if (opts.dryRun) throw new UsageError("--dry-run is not supported by `pairs` yet; use `trace --dry-run`");
  const progress = new Progress({
    tty: opts.progress === "tty" ? true : opts.progress === "json" ? false : undefined,
    silent: opts.progress === "none",
    barCounters: ["prompt_tokens", "completion_tokens", "est_cost_usd", "call_failures", "retries", "rate_limited"],
  });
  sayResumingJournals(opts.outputDir, [join(opts.outputDir, "journal")]);
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
      maxCallFailures: opts.maxCallFailures,
      isFatal: isFatalLlmError,
      costOf: (m, usage) => models.costOf(m as ManagedChatModel, usage),
      extraCounters: () => models.counters(),
      equaliseTokens: opts.equaliseTokens,
      rationality: opts.rationality,
      filterWorse: opts.filterWorse,
    });
  } finally {
    progress.stop();
    models.close();
  }
  process.stdout.write(formatSummary(result.summary));
  if (job === "iopo") {
    const groups = readJsonl(result.outFile, undefined, { allowEmpty: true }).map((r) => r.value as IopoGroup);
    process.stdout.write(`\n${formatGroupMix(groups).join("\n")}\n`);
  }
  if (input.notFullScore.length) {
    process.stdout.write(`${input.notFullScore.length} input record(s) without a full score were set aside\n`);
  }
  process.stdout.write(`wrote ${result.outFile}, ${result.rejectsFile}\n`);
  failIfRunFailed(result.summary);
}
