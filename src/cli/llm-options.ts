import type { Command } from "commander";
import type { CreateChatModelOptions } from "../llm/create-chat-model.js";
import { loadPriceFile, type PriceOptions } from "../llm/prices.js";
import { floatOption, intOption, UsageError } from "./options.js";

/**
 * The LLM flags shared by every command that calls a model (`iopo trace build`, its single stages, judges...), so they
 * are spelled and documented the same everywhere. Usage:
 *
 *   addLlmOptions(cmd);                    // then in the action:
 *   const llm = createChatModel(chatModelOptionsFromCli(opts, opts.model));
 */
export function addLlmOptions(command: Command): Command {
  return command
    .option("--base-url <url>", "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL)")
    .option("--model <name>", "model name sent to the endpoint")
    .option("--api-key-env <VAR>", "environment variable holding the API key for --base-url", "OPENAI_API_KEY")
    .option("--concurrency <n>", "requests in flight at once", intOption({ min: 1 }), 8)
    .option(
      "--max-retries <n>",
      "retries per call for 429/5xx/timeouts/resets (exponential backoff)",
      intOption({ min: 0 }),
      6,
    )
    .option("--fail-fast", "no retries: the first failed call stops the run")
    .option("--timeout <ms>", "per-request timeout in milliseconds", intOption({ min: 1 }), 300_000)
    .option(
      "--cache <path>",
      "response cache file (default: $IOPO_CACHE, else $IOPO_CACHE_DIR/llm.sqlite, else .iopo-cache/llm.sqlite)",
    )
    .option("--no-cache", "neither read nor write the response cache")
    .option(
      "--max-budget <usd>",
      "stop before a call that could push estimated spending past this many USD",
      floatOption({ min: 0 }),
    )
    .option(
      "--price-input <usd>",
      "price per 1M prompt tokens in USD (overrides the built-in table)",
      floatOption({ min: 0 }),
    )
    .option("--price-output <usd>", "price per 1M completion tokens in USD", floatOption({ min: 0 }))
    .option("--price-file <path>", 'JSON price table {"<model>": {"input": usd, "output": usd}} per 1M tokens')
    .option("--dry-run", "render and record the prompts without calling any endpoint");
}

/**
 * The judge's own endpoint, for commands whose construction model and judge can be different servers (the paper:
 * Qwen2-72B builds, GPT-4o judges): `--judge-model`, `--judge-base-url`, `--judge-api-key-env`. Unset ones follow the
 * construction model's flags.
 */
export function addJudgeEndpointOptions(command: Command, judgeModelHelp: string): Command {
  return command
    .option("--judge-model <name>", judgeModelHelp)
    .option("--judge-base-url <url>", "OpenAI-compatible endpoint of the judge (default: --base-url)")
    .option("--judge-api-key-env <VAR>", "environment variable holding the judge's API key (default: --api-key-env's)");
}

/** Commander's parsed values of `addLlmOptions` (property names as commander derives them). */
export interface LlmCliValues {
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  concurrency?: number;
  maxRetries?: number;
  failFast?: boolean;
  timeout?: number;
  /** `--cache <path>` gives a string, `--no-cache` gives false. */
  cache?: string | boolean;
  maxBudget?: number;
  priceInput?: number;
  priceOutput?: number;
  priceFile?: string;
  dryRun?: boolean;
}

/** Map parsed flags to factory options. `model` lets a command pick e.g. its --judge-model instead of --model. */
export function chatModelOptionsFromCli(values: LlmCliValues, model = values.model): CreateChatModelOptions {
  if (!model) throw new UsageError("--model is required");
  return { model, baseUrl: values.baseUrl, ...clientOptionsFromCli(values) };
}

/** The client stack's settings from the flags (everything but the model and the endpoint). */
export function clientOptionsFromCli(values: LlmCliValues): Omit<CreateChatModelOptions, "model" | "baseUrl"> {
  const prices =
    values.priceInput !== undefined || values.priceOutput !== undefined
      ? { input: values.priceInput, output: values.priceOutput }
      : undefined;
  const apiKey = values.apiKeyEnv ? process.env[values.apiKeyEnv] : undefined;
  return {
    ...(apiKey ? { apiKey } : {}),
    concurrency: values.concurrency,
    maxRetries: values.maxRetries,
    failFast: values.failFast,
    timeoutMs: values.timeout,
    cachePath: typeof values.cache === "string" ? values.cache : undefined,
    noCache: values.cache === false,
    maxBudget: values.maxBudget,
    prices,
    priceFile: values.priceFile,
    dryRun: values.dryRun,
  };
}

/** The prices from --price-input/--price-output and --price-file (for estimates made without a client). */
export function priceOptionsFromCli(values: LlmCliValues): PriceOptions {
  const prices: PriceOptions =
    values.priceInput !== undefined || values.priceOutput !== undefined
      ? { input: values.priceInput, output: values.priceOutput }
      : {};
  if (values.priceFile) prices.table = loadPriceFile(values.priceFile);
  return prices;
}
