import { join } from "node:path";
import { type Command, Option } from "commander";
import { groupToDpoPairs, groupToSftExamples } from "../data/formats/expand.js";
import { exportRows } from "../data/formats/write.js";
import { readJsonl, writeJsonl } from "../data/jsonl.js";
import type { IopoGroup } from "../data/schemas.js";
import { buildDpoPairs } from "../pairs/dpo-builder.js";
import { buildIopoGroups, operationMix } from "../pairs/iopo-builder.js";
import { readPairInputs } from "../pairs/records.js";
import type { PromptLang } from "../taxonomy/render.js";
import { formatSummary, type PipelineOptions, type RunSummary } from "../trace/pipeline.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import { addLlmOptions, type LlmCliValues } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";
import { detectLang } from "./trace.js";
import { createTraceModels, isFatalLlmError } from "./trace-models.js";

/**
 * `iopo pairs dpo|iopo`: preference data from TRACE records with full-score responses (paper appendices C and D),
 * through the same LLM layer, stage runner, journals and summaries as `iopo trace`.
 */

interface PairsCliOptions extends LlmCliValues {
  input: string;
  outputDir: string;
  judgeModel?: string;
  lang: PromptLang | "auto";
  seed: number;
  equaliseTokens?: boolean;
  progress: "auto" | "tty" | "json" | "none";
}

function withOptions(cmd: Command): Command {
  return addLlmOptions(
    cmd
      .requiredOption(
        "--input <file>",
        "TRACE records with a full-score `response` (e.g. trace.jsonl of `trace build`)",
      )
      .requiredOption("--output-dir <dir>", "run folder (outputs, rejects.jsonl, stages/, summary.json, journal/)"),
  )
    .option("--judge-model <name>", "model for the B.5 judge (default: --model)")
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

export async function runPairsCommand(kind: "dpo" | "iopo", opts: PairsCliOptions): Promise<RunSummary | undefined> {
  const { rows, notFullScore } = readPairInputs(opts.input, kind === "dpo" ? "chosen" : "y1_x1");
  const lang: PromptLang = opts.lang === "auto" ? detectLang(rows) : opts.lang;
  if (opts.dryRun) throw new UsageError("--dry-run is not supported by `pairs` yet; use `trace --dry-run`");
  const progress = new Progress({
    tty: opts.progress === "tty" ? true : opts.progress === "json" ? false : undefined,
    silent: opts.progress === "none",
    barCounters: ["prompt_tokens", "completion_tokens", "est_cost_usd", "call_failures", "retries", "rate_limited"],
  });
  const models = createTraceModels(opts, progress);
  const pipeline: PipelineOptions = {
    outputDir: opts.outputDir,
    model: models.model,
    judgeModel: models.judge,
    ctx: { lang, seed: opts.seed },
    concurrency: opts.concurrency,
    progress,
    failFast: opts.failFast,
    isFatal: isFatalLlmError,
    costOf: (m, usage) => models.costOf(m as Parameters<typeof models.costOf>[0], usage),
    extraCounters: () => ({ ...models.counters(), inputs_not_full_score: notFullScore.length }),
  };
  writeJsonl(join(opts.outputDir, "inputs_not_full_score.jsonl"), notFullScore);
  let summary: RunSummary;
  try {
    summary = kind === "dpo" ? await buildDpoPairs(rows, pipeline) : await buildIopoGroups(rows, pipeline);
  } finally {
    progress.stop();
    models.close();
  }
  const outFile = join(opts.outputDir, kind === "dpo" ? "dpo_pairs.jsonl" : "iopo_groups.jsonl");
  if (kind === "iopo") {
    const groups = readJsonl(outFile, undefined, { allowEmpty: true }).map((r) => r.value as IopoGroup);
    Object.assign(summary, operationMix(groups));
    writeFileAtomic(join(opts.outputDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    if (opts.equaliseTokens) {
      const dpoStar = groups.flatMap(groupToDpoPairs);
      const sftStar = groups.flatMap(groupToSftExamples);
      writeJsonl(join(opts.outputDir, "dpo_star.jsonl"), exportRows({ kind: "pair", rows: dpoStar }, "dpo"));
      writeJsonl(join(opts.outputDir, "sft_star.jsonl"), exportRows({ kind: "sft", rows: sftStar }, "sft"));
    }
  }
  process.stdout.write(formatSummary(summary));
  if (notFullScore.length) {
    process.stdout.write(`${notFullScore.length} input record(s) without a full score were set aside\n`);
  }
  process.stdout.write(`wrote ${outFile}, ${join(opts.outputDir, "rejects.jsonl")}\n`);
  return summary;
}
