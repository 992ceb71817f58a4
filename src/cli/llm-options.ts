import type { Command } from "commander";
import type { CreateChatModelOptions } from "../llm/create-chat-model.js";
import { NO_ENDPOINT } from "../llm/openai-chat-model.js";
import { loadPriceFile, type PriceOptions } from "../llm/prices.js";
import { DEFAULT_MAX_PROMPT_TOKENS, resolvePromptLimit } from "../llm/prompt-limit.js";
import { publicBaseUrl } from "../llm/request-body.js";
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
    .option(
      "--base-url <url>",
      "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL; one of them is required)",
    )
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
    .option(
      "--max-prompt-tokens <n>",
      "refuse a call whose estimated prompt is longer (row rejected as prompt_too_long, nothing sent); 0 = no limit " +
        `(default: the model's published context window if known, else ${DEFAULT_MAX_PROMPT_TOKENS})`,
      intOption({ min: 0 }),
    )
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
  maxPromptTokens?: number;
  dryRun?: boolean;
}

/**
 * Map parsed flags to factory options. `model` lets a command pick e.g. its --judge-model instead of --model;
 * `endpoint` a base URL other than --base-url (e.g. --judge-base-url), named by its flag in messages. Outside dry
 * runs an endpoint is required: the flag, else $OPENAI_BASE_URL (UsageError when neither is set).
 */
export function chatModelOptionsFromCli(
  values: LlmCliValues,
  model = values.model,
  endpoint: { url?: string; flag: string } = { url: values.baseUrl, flag: "--base-url" },
): CreateChatModelOptions {
  if (!model) throw new UsageError("--model is required");
  const baseUrl = values.dryRun ? endpoint.url : resolveEndpoint(endpoint.url, endpoint.flag).url;
  return { model, baseUrl, ...clientOptionsFromCli(values) };
}

/** Where a command's requests go, and which setting said so (for the line printed at the start). */
export interface ResolvedEndpoint {
  url: string;
  source: string;
}

/** The endpoint from a flag's value, else $OPENAI_BASE_URL; a UsageError naming both when neither is set. */
export function resolveEndpoint(url: string | undefined, flag: string, env = process.env): ResolvedEndpoint {
  if (url) return { url, source: flag };
  if (env.OPENAI_BASE_URL) return { url: env.OPENAI_BASE_URL, source: "$OPENAI_BASE_URL" };
  throw new UsageError(NO_ENDPOINT.replace("--base-url", flag));
}

/**
 * Say at the start where the requests of a model go and the prompt-size limit in force (stderr, never the key):
 * "iopo: model m -> http://h/v1 (from --base-url); prompts over 32768 tokens are not sent (default limit; ...)".
 */
export function announceEndpoint(
  role: string,
  model: string,
  endpoint: ResolvedEndpoint,
  maxPromptTokens: number | undefined,
): void {
  let shown: string;
  try {
    shown = publicBaseUrl(endpoint.url);
  } catch {
    shown = "(invalid URL)";
  }
  const limit = resolvePromptLimit(model, maxPromptTokens);
  const guard =
    limit.tokens > 0 ? `prompts over ${limit.tokens} tokens are not sent (${limit.source})` : "no prompt-size limit";
  process.stderr.write(`iopo: ${role} ${model} -> ${shown} (from ${endpoint.source}); ${guard}\n`);
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
    maxPromptTokens: values.maxPromptTokens,
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
