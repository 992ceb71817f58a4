import { dirname, join } from "node:path";
import { type Command, Option } from "commander";
import type { ManagedChatModel } from "../llm/create-chat-model.js";
import { costUsd, loadPriceFile, type PriceOptions, resolvePrice } from "../llm/prices.js";
import type { ChatModel } from "../llm/types.js";
import type { PromptLang } from "../taxonomy/render.js";
import { type DryRunStageReport, dryRunStage, estimateStage } from "../trace/dry-run.js";
import { expandStage } from "../trace/expand.js";
import { completenessStage, redundancyStage } from "../trace/filter.js";
import {
  JudgeInputSchema,
  RespondInputSchema,
  readStageInput,
  SeedInputSchema,
  StructuredInputSchema,
  StructureInputSchema,
} from "../trace/inputs.js";
import { judgeStage } from "../trace/judge.js";
import {
  buildPlan,
  formatSummary,
  type PipelineOptions,
  type RunSummary,
  runFiles,
  runStages,
  type StagePlan,
  toTraceRecord,
} from "../trace/pipeline.js";
import { respondStage } from "../trace/respond.js";
import type { PipelineRow, Stage } from "../trace/stage.js";
import { structureStage } from "../trace/structure.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import { addLlmOptions, type LlmCliValues } from "./llm-options.js";
import { intOption } from "./options.js";
import { createTraceModels, isFatalLlmError } from "./trace-models.js";

/**
 * `iopo trace build|expand|structure|filter|respond|judge`: the TRACE construction workflow (paper section 4.1,
 * appendix B) against any OpenAI-compatible endpoint. The API key comes from OPENAI_API_KEY only.
 */

export interface TraceCliOptions extends LlmCliValues {
  input: string;
  outputDir?: string;
  output?: string;
  judgeModel?: string;
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
  return addLlmOptions(cmd)
    .option("--judge-model <name>", "model for the quality-control and response judges (default: --model)")
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

  const single: [string, string, string][] = [
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
      .requiredOption("--output <file>", "kept rows (JSONL); rejects go to <output>.rejects.jsonl");
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

/** Inputs of each command and the stages it runs. */
function planFor(command: string, opts: TraceCliOptions, models: { model: ChatModel; judge: ChatModel }) {
  const expand = { minConstraints: opts.minConstraints, maxConstraints: opts.maxConstraints };
  const s = (stage: unknown, model: ChatModel): StagePlan => ({
    stage: stage as Stage<PipelineRow, PipelineRow>,
    model,
  });
  switch (command) {
    case "expand":
      return { schema: SeedInputSchema, plan: [s(expandStage(expand), models.model)] };
    case "structure":
      return { schema: StructureInputSchema, plan: [s(structureStage(), models.model)] };
    case "filter":
      return {
        schema: StructuredInputSchema,
        plan: [s(completenessStage(), models.judge), s(redundancyStage(), models.judge)],
      };
    case "respond":
      return { schema: RespondInputSchema, plan: [s(respondStage(), models.model)] };
    case "judge":
      return { schema: JudgeInputSchema, plan: [s(judgeStage(), models.judge)] };
    default:
      return {
        schema: SeedInputSchema,
        plan: buildPlan({
          outputDir: "",
          model: models.model,
          judgeModel: models.judge,
          ctx: { lang: "en", seed: 0 },
          expand,
        }),
      };
  }
}

/** Detect the prompt language from the inputs: Chinese when most letters are CJK (TRACE data is). */
export function detectLang(rows: readonly PipelineRow[]): PromptLang {
  let cjk = 0;
  let latin = 0;
  for (const r of rows.slice(0, 200)) {
    const text = JSON.stringify(r);
    cjk += (text.match(/[\u4e00-\u9fff]/g) ?? []).length;
    latin += (text.match(/[A-Za-z]/g) ?? []).length;
  }
  return cjk > latin / 3 ? "zh" : "en";
}

export async function runTraceCommand(command: string, opts: TraceCliOptions): Promise<RunSummary | undefined> {
  // Validate the whole input before any call: a bad row fails with file:line:field and nothing is written.
  const rows = readStageInput(opts.input, planFor(command, opts, dummyModels()).schema);
  const lang: PromptLang = opts.lang === "auto" ? detectLang(rows) : opts.lang;
  const ctx = { lang, seed: opts.seed };
  const outDir = command === "build" ? opts.outputDir! : dirname(opts.output!);

  if (opts.dryRun) {
    const { plan } = planFor(command, opts, dummyModels(opts.model, opts.judgeModel));
    const reports = dryRun(plan, rows, ctx, join(outDir, "dry_run"));
    const costs = estimateCosts(plan, reports, opts);
    const text = formatDryRun(reports, lang, costs);
    writeFileAtomic(
      join(outDir, "dry_run", "estimate.json"),
      `${JSON.stringify({ lang, stages: reports.map((r, k) => ({ ...r, est_cost_usd: costs[k] })) }, null, 2)}\n`,
    );
    process.stdout.write(text);
    return undefined;
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
  const pipeline: PipelineOptions = {
    outputDir: outDir,
    model: models.model,
    judgeModel: models.judge,
    ctx,
    concurrency: opts.concurrency,
    progress,
    failFast: opts.failFast,
    parseRetries: opts.parseRetries,
    isFatal: isFatalLlmError,
    costOf: (m, usage) => models.costOf(m as ManagedChatModel, usage),
    extraCounters: () => models.counters(),
  };
  const { plan } = planFor(command, opts, models);
  const files = runFiles(command === "build", command === "build" ? outDir : opts.output!);
  let summary: RunSummary;
  try {
    summary = await runStages(plan, rows, pipeline, files, command === "build" ? toTraceRecord : undefined);
  } finally {
    progress.stop();
    models.close();
  }
  process.stdout.write(formatSummary(summary));
  process.stdout.write(`wrote ${files.final}, ${files.rejects}, ${files.summary}\n`);
  return summary;
}

/** Placeholder models for planning and dry runs: never called. */
function dummyModels(model = "model", judge?: string): { model: ChatModel; judge: ChatModel } {
  const make = (name: string): ChatModel => ({
    id: `dry-run#${name}`,
    model: name,
    chat: () => Promise.reject(new Error("dry run: no calls")),
  });
  return { model: make(model), judge: make(judge ?? model) };
}

/** Typical reply and payload sizes per stage, for the parts of the chain a dry run cannot render. */
const ASSUMED: Record<string, { payload: number; reply: number }> = {
  expand: { payload: 60, reply: 350 },
  structure: { payload: 200, reply: 220 },
  filter_complete: { payload: 420, reply: 150 },
  filter_redundant: { payload: 220, reply: 150 },
  respond: { payload: 250, reply: 500 },
  judge: { payload: 750, reply: 300 },
};

function dryRun(plan: StagePlan[], rows: PipelineRow[], ctx: { lang: PromptLang; seed: number }, dir: string) {
  const reports: DryRunStageReport[] = [];
  plan.forEach(({ stage }, k) => {
    const a = ASSUMED[stage.name] ?? { payload: 300, reply: 300 };
    reports.push(
      k === 0
        ? dryRunStage(stage, rows, ctx, dir, a.reply)
        : estimateStage(stage, rows.length, ctx, a.payload, a.reply),
    );
  });
  return reports;
}

/** Estimated USD per stage from the model's price (flags, price file, built-in table); null when unknown. */
function estimateCosts(plan: StagePlan[], reports: DryRunStageReport[], opts: TraceCliOptions): (number | null)[] {
  const prices: PriceOptions =
    opts.priceInput !== undefined || opts.priceOutput !== undefined
      ? { input: opts.priceInput, output: opts.priceOutput }
      : {};
  if (opts.priceFile) prices.table = loadPriceFile(opts.priceFile);
  return reports.map((r, k) => {
    const p = resolvePrice(plan[k].model.model, prices);
    if (!p.known) return null;
    return costUsd({ prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens_assumed }, p.price);
  });
}

function formatDryRun(reports: DryRunStageReport[], lang: PromptLang, costs: (number | null)[]): string {
  const lines = [`dry run (prompt language: ${lang}); no endpoint was called`, ""];
  lines.push("stage              rows  calls  prompt tokens  reply tokens (assumed)  est. USD  how");
  let p = 0;
  let c = 0;
  let usd = 0;
  reports.forEach((r, k) => {
    p += r.prompt_tokens;
    c += r.completion_tokens_assumed;
    const cost = costs[k];
    usd += cost ?? 0;
    lines.push(
      `${r.stage.padEnd(17)} ${String(r.rows).padStart(5)} ${String(r.rows).padStart(6)} ${String(r.prompt_tokens).padStart(14)} ${String(r.completion_tokens_assumed).padStart(23)} ${(cost === null ? "?" : cost.toFixed(4)).padStart(9)}  ${r.exact ? `rendered (${r.files.length} prompts)` : "estimated, upper bound: every row survives"}`,
    );
  });
  const first = reports[0];
  const priced = costs.every((x) => x !== null);
  lines.push(
    "",
    `total: ~${p} prompt + ~${c} reply tokens (estimates: 1 token per CJK character, 1 per 4 other characters)`,
    priced
      ? `estimated cost: ~$${usd.toFixed(4)}`
      : "estimated cost: unknown for these models; give --price-input/--price-output (USD per 1M tokens) or --price-file",
  );
  if (first?.files.length) lines.push(`prompts written to ${dirname(first.files[0])}/ (e.g. ${first.files[0]})`);
  return `${lines.join("\n")}\n`;
}
