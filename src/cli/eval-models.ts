import { join } from "node:path";
import { type Command, Option } from "commander";
import { writeJsonl } from "../data/jsonl.js";
import { createChatModel, type LlmStats, type ManagedChatModel } from "../llm/create-chat-model.js";
import { Progress } from "../util/progress.js";
import {
  addLlmOptions,
  announceEndpoint,
  chatModelOptionsFromCli,
  type LlmCliValues,
  resolveEndpoint,
} from "./llm-options.js";
import { floatOption, intOption } from "./options.js";

/**
 * Model flags shared by the judge-based evaluators (`iopo eval trace|cfbench|complexbench`). The model under test
 * uses the shared LLM flags (`--base-url --model --concurrency --max-retries --cache --max-budget --dry-run ...`);
 * the judge has its own endpoint and sampling flags (`--judge-base-url --judge-model --judge-temperature ...`).
 * Both go through the shared stack (scheduler, retries, SQLite response cache, usage/budget), share one cache and
 * one usage ledger, and take API keys from environment variables only (named by `--api-key-env`/`--judge-api-key-env`).
 */
export function addGeneratorOptions(cmd: Command): Command {
  addLlmOptions(cmd);
  return cmd
    .option("--api-key-env <VAR>", "environment variable holding the API key for --base-url", "OPENAI_API_KEY")
    .option("--max-tokens <n>", "generation max_tokens", intOption({ min: 1 }))
    .option("--top-p <p>", "generation top_p", floatOption({ min: 0, max: 1 }));
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
    .requiredOption("--judge-model <name>", "judge model name (the benchmarks used GPT-4-class judges)")
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

export interface ModelFlags extends LlmCliValues {
  apiKeyEnv?: string;
  judgeBaseUrl?: string;
  judgeModel: string;
  judgeApiKeyEnv?: string;
}

export interface EvalModels {
  judge: ManagedChatModel;
  /** The model under test, or undefined when no --model was given (scoring an existing responses file). */
  generator?: ManagedChatModel;
  /** Counters of both models for the metrics file (never keys or URLs with credentials). */
  stats(): { judge: LlmStats; generation: LlmStats | null };
  close(): void;
}

/** Build the judge and (with --model) the model under test on one shared cache and usage ledger. */
export function createEvalModels(flags: ModelFlags): EvalModels {
  // Each model's endpoint is required (outside dry runs) and said at the start: the judge's is --judge-base-url,
  // else --base-url, else $OPENAI_BASE_URL.
  const judgeFlag = flags.judgeBaseUrl ? "--judge-base-url" : "--base-url";
  const judgeEndpoint = { url: flags.judgeBaseUrl ?? flags.baseUrl, flag: judgeFlag };
  const judgeOptions = chatModelOptionsFromCli(flags, flags.judgeModel, judgeEndpoint);
  const generatorOptions = flags.model ? chatModelOptionsFromCli(flags, flags.model) : undefined;
  if (!flags.dryRun) {
    const j = resolveEndpoint(judgeEndpoint.url, judgeFlag);
    announceEndpoint("judge", flags.judgeModel, j, flags.maxPromptTokens);
    if (flags.model) {
      const g = resolveEndpoint(flags.baseUrl, "--base-url");
      announceEndpoint("model", flags.model, g, flags.maxPromptTokens);
    }
  }
  const judge = createChatModel({
    ...judgeOptions,
    apiKey: process.env[flags.judgeApiKeyEnv ?? "OPENAI_API_KEY"],
  });
  let generator: ManagedChatModel | undefined;
  try {
    if (flags.model && generatorOptions) {
      // --max-budget caps the judge; it also covers the model under test when that model has a known price (a
      // local vLLM model usually has none, and the budget guard refuses unpriced models).
      const priced = judge.usage.priceOf(flags.model).known;
      generator = createChatModel({
        ...generatorOptions,
        apiKey: process.env[flags.apiKeyEnv ?? "OPENAI_API_KEY"],
        ledger: judge.usage,
        ...(judge.cache ? { cache: judge.cache } : {}),
        ...(priced && judge.budget ? { budget: judge.budget } : { maxBudget: undefined }),
      });
    }
  } catch (err) {
    judge.close();
    throw err;
  }
  return {
    judge,
    generator,
    stats: () => ({ judge: judge.stats(), generation: generator?.stats() ?? null }),
    close: () => {
      generator?.close();
      judge.close();
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
    ...(models.judge.dryRun?.requests ?? []).map((r) => ({ role: "judge", ...r })),
  ];
  if (!models.judge.dryRun && !models.generator?.dryRun) return;
  const file = join(outDir, "dry_run_requests.jsonl");
  writeJsonl(file, recorded);
  process.stderr.write(
    `dry run: ${recorded.length} requests rendered (written to ${file}), no endpoint was called; ` +
      "the scores above are placeholders\n",
  );
}

/**
 * Progress of an evaluation's stages on the shared display (bars on a TTY, JSON lines on stderr otherwise); the
 * evaluators report `(stage, done, total)` and each stage becomes one task.
 */
export function evalProgress(): { onProgress: (stage: string, done: number, total: number) => void; stop(): void } {
  const progress = new Progress();
  return {
    onProgress: (stage, done, total) => {
      const task = progress.task(stage) ?? progress.start(stage, total, done - 1);
      task.advance(1);
      if (done >= total) task.finish();
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
