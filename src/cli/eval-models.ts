import { join } from "node:path";
import { type Command, Option } from "commander";
import { writeJsonl } from "../data/jsonl.js";
import { createChatModel, type LlmStats, type ManagedChatModel } from "../llm/create-chat-model.js";
import type { SchedulerEvent } from "../llm/scheduler.js";
import { UsageLedger } from "../llm/usage.js";
import { Progress } from "../util/progress.js";
import { addHiddenAlias, addHiddenAliases } from "./aliases.js";
import {
  addLlmOptions,
  announceEndpoint,
  chatModelOptionsFromCli,
  type LlmCliValues,
  priceOptionsFromCli,
  resolveEndpoint,
} from "./llm-options.js";
import { floatOption, intOption, UsageError } from "./options.js";

/**
 * Model flags shared by the judge-based evaluators (`iopo eval trace|cfbench|complexbench`). The model under test
 * uses the shared LLM flags (`--base-url --model --api-key-env --concurrency --max-retries --cache --max-budget
 * --dry-run ...`) or a local folder (`--model-dir`); the judge has its own endpoint and sampling flags
 * (`--judge-base-url --judge-model --judge-temperature ...`). Both go through the shared stack (scheduler, retries,
 * SQLite response cache, budget) and share one cache and one budget, with separate usage ledgers (metrics.json
 * reports the judge's and the generator's usage apart); API keys come from environment variables only.
 */
export function addGeneratorOptions(cmd: Command): Command {
  addLlmOptions(cmd)
    .option("--model-dir <dir>", "generate in-process on the engine from a local Hugging Face model folder")
    .option("--max-tokens <n>", "generation length: max new tokens per response", intOption({ min: 1 }))
    .option("--top-p <p>", "generation top_p", floatOption({ min: 0, max: 1 }));
  addHiddenAliases(cmd, "maxTokens", "--max-new-tokens <n>", "--max_new_tokens <n>");
  return cmd;
}

/** The output folder of an evaluator: `--output-dir`, with the old `--out` kept as a hidden alias. */
export function addOutputDirOption(cmd: Command, description: string): Command {
  cmd.requiredOption("--output-dir <dir>", description);
  return addHiddenAlias(cmd, "--out <dir>", "outputDir");
}

/** top_p / max_tokens of the model under test from its flags; unset flags are left out (the server's defaults apply). */
export function generationParams(flags: { topP?: number; maxTokens?: number }): {
  top_p?: number;
  max_tokens?: number;
} {
  return {
    ...(flags.topP !== undefined ? { top_p: flags.topP } : {}),
    ...(flags.maxTokens !== undefined ? { max_tokens: flags.maxTokens } : {}),
  };
}

export function addJudgeOptions(cmd: Command, defaults: { temperature: number; top_p?: number }): Command {
  return cmd
    .option(
      "--judge-base-url <url>",
      "OpenAI-compatible endpoint of the judge (default: --base-url, else $OPENAI_BASE_URL)",
    )
    .option("--judge-model <name>", "judge model name (the benchmarks used GPT-4-class judges)")
    .option("--judge-api-key-env <VAR>", "environment variable holding the judge API key", "OPENAI_API_KEY")
    .addOption(
      new Option("--judge-temperature <t>", "judge sampling temperature")
        .argParser(floatOption({ min: 0 }))
        .default(defaults.temperature),
    )
    .addOption(
      new Option("--judge-top-p <p>", "judge top_p (not sent when unset)")
        .argParser(floatOption({ min: 0, max: 1 }))
        .default(defaults.top_p),
    )
    .option("--judge-max-tokens <n>", "judge max_tokens", intOption({ min: 1 }));
}

/** `--progress auto|tty|json|none`, as in `trace` and `pairs`. */
export function addProgressOption(cmd: Command): Command {
  return cmd.addOption(
    new Option("--progress <mode>", "progress display: bars on a terminal, JSON lines on stderr, or none")
      .choices(["auto", "tty", "json", "none"])
      .default("auto"),
  );
}

export interface ModelFlags extends LlmCliValues {
  modelDir?: string;
  judgeBaseUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
}

export interface EvalModels {
  /** The LLM judge; undefined when the command judges offline. */
  judge?: ManagedChatModel;
  /** The model under test, or undefined when no --model was given (scoring an existing responses file). */
  generator?: ManagedChatModel;
  /** Counters of each model for the metrics file, kept apart (never keys or URLs with credentials). */
  stats(): { judge: LlmStats | null; generation: LlmStats | null };
  close(): void;
}

/**
 * Build the judge (unless `judge: false`, an offline judge) and (with --model) the model under test on one shared
 * cache and budget. Each has its own usage ledger, so metrics.json reports their tokens and cost apart. `onEvent`
 * sees both models' retries and failures (for the progress counters). Each model's endpoint is required (outside dry
 * runs) and said at the start: the judge's is --judge-base-url, else --base-url, else $OPENAI_BASE_URL.
 */
export function createEvalModels(
  flags: ModelFlags,
  options: { judge?: boolean; onEvent?: (event: SchedulerEvent) => void } = {},
): EvalModels {
  const wantJudge = options.judge ?? true;
  if (wantJudge && !flags.judgeModel) throw new UsageError("--judge-model is required for the LLM judge");
  const judgeFlag = flags.judgeBaseUrl ? "--judge-base-url" : "--base-url";
  const judgeEndpoint = { url: flags.judgeBaseUrl ?? flags.baseUrl, flag: judgeFlag };
  const judgeOptions = wantJudge
    ? chatModelOptionsFromCli(
        { ...flags, apiKeyEnv: flags.judgeApiKeyEnv ?? flags.apiKeyEnv },
        flags.judgeModel,
        judgeEndpoint,
      )
    : undefined;
  const generatorOptions = flags.model ? chatModelOptionsFromCli(flags, flags.model) : undefined;
  if (!flags.dryRun) {
    if (wantJudge) {
      const j = resolveEndpoint(judgeEndpoint.url, judgeFlag);
      announceEndpoint("judge", flags.judgeModel!, j, flags.maxPromptTokens);
    }
    if (flags.model) {
      const g = resolveEndpoint(flags.baseUrl, "--base-url");
      announceEndpoint("model", flags.model, g, flags.maxPromptTokens);
    }
  }
  const judge = judgeOptions ? createChatModel({ ...judgeOptions, onEvent: options.onEvent }) : undefined;
  let generator: ManagedChatModel | undefined;
  try {
    if (flags.model && generatorOptions) {
      // --max-budget caps the judge; it also covers the model under test when that model has a known price (a
      // local vLLM model usually has none, and the budget guard refuses unpriced models).
      const priced = new UsageLedger(priceOptionsFromCli(flags)).priceOf(flags.model).known;
      const budget = priced ? judge?.budget : undefined;
      generator = createChatModel({
        ...generatorOptions,
        onEvent: options.onEvent,
        ...(judge?.cache ? { cache: judge.cache } : {}),
        ...(budget ? { budget } : priced ? {} : { maxBudget: undefined }),
      });
    }
  } catch (err) {
    judge?.close();
    throw err;
  }
  return {
    judge,
    generator,
    stats: () => ({ judge: judge?.stats() ?? null, generation: generator?.stats() ?? null }),
    close: () => {
      generator?.close();
      judge?.close();
    },
  };
}

/**
 * After a `--dry-run`: write the rendered requests (`dry_run_requests.jsonl` in the output folder) and say on stderr
 * that nothing was called, so that the placeholder scores are never mistaken for results. No-op otherwise.
 */
export function reportDryRun(models: EvalModels, outDir: string): void {
  const recorded = [
    ...(models.generator?.dryRun?.requests ?? []).map((r) => ({ role: "generation", ...r })),
    ...(models.judge?.dryRun?.requests ?? []).map((r) => ({ role: "judge", ...r })),
  ];
  if (!models.judge?.dryRun && !models.generator?.dryRun) return;
  const file = join(outDir, "dry_run_requests.jsonl");
  writeJsonl(file, recorded);
  process.stderr.write(
    `dry run: ${recorded.length} requests rendered (written to ${file}), no endpoint was called; ` +
      "the scores above are placeholders\n",
  );
}

export interface EvalProgress {
  /** An evaluator's `(stage, done, total)` report: the first one starts the stage's task. */
  onProgress(stage: string, done: number, total: number): void;
  /** Start a stage before its first item is done (a line as soon as it starts, with its total). */
  begin(stage: string, total: number): void;
  /** The LLM stack's retries and 429s, counted on the stage whose call it was ("trace-judge" -> "judge"). */
  onEvent(event: SchedulerEvent): void;
  stop(): void;
}

/**
 * Progress of an evaluation's stages on the shared display: bars on a TTY, otherwise JSON lines on stderr as work
 * happens (a line when a stage starts, then at most one a second, and when it ends), each with the stage's retries
 * and 429s from the LLM stack.
 */
export function evalProgress(mode: "auto" | "tty" | "json" | "none" = "auto"): EvalProgress {
  const progress = new Progress({
    tty: mode === "tty" ? true : mode === "json" ? false : undefined,
    silent: mode === "none",
    intervalMs: 1000,
    barCounters: ["retries", "rate_limited"],
    barLabels: { retries: "retry", rate_limited: "429s" },
  });
  const begin = (stage: string, total: number, done = 0) => {
    const task = progress.start(stage, total, done);
    // Shown from the first line on (0 until the LLM stack retries), so a silent {} never hides them.
    task.count({ retries: 0, rate_limited: 0 });
    task.emit();
    return task;
  };
  let last: string | undefined;
  return {
    begin: (stage, total) => {
      last = stage;
      begin(stage, total);
    },
    onProgress: (stage, done, total) => {
      last = stage;
      const task = progress.task(stage) ?? begin(stage, total, done - 1);
      task.advance(1);
      if (done >= total) task.finish();
    },
    onEvent: (ev) => {
      if (ev.type !== "retry") return;
      const name = ev.stage?.replace(/^[a-z]+-/, "");
      const task = (name && progress.task(name)) || (last ? progress.task(last) : undefined);
      task?.count({ retries: 1, rate_limited: ev.kind === "rate_limit" ? 1 : 0 });
    },
    stop: () => progress.stop(),
  };
}

/** The shared `iopo eval` group (several modules add subcommands to it). */
export function evalGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "eval") ??
    program.command("eval").description("evaluate models: IFEval, TRACE IF-S/IF-M, CFBench, ComplexBench")
  );
}
