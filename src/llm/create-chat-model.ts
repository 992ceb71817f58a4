import { Budget, BudgetedChatModel } from "./budget.js";
import { DryRunChatModel } from "./dry-run-chat-model.js";
import { OpenAIChatModel } from "./openai-chat-model.js";
import { loadPriceFile, type PriceOptions } from "./prices.js";
import { type PromptLimit, PromptLimitChatModel, resolvePromptLimit } from "./prompt-limit.js";
import { type CacheCounters, CachedChatModel, defaultCachePath, ResponseCache } from "./response-cache.js";
import type { RetryPolicy } from "./retry-policy.js";
import { ScheduledChatModel, type SchedulerEvent, type SchedulerStats } from "./scheduler.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";
import { type StageUsage, UsageLedger, UsageTrackingChatModel } from "./usage.js";

/** Everything a command needs to talk to one model, as plain values (CLI flags map onto these one to one). */
export interface CreateChatModelOptions {
  model: string;
  /** Default `OPENAI_BASE_URL`; with neither, createChatModel throws (there is no built-in endpoint). */
  baseUrl?: string;
  /** Default `OPENAI_API_KEY`. Never logged, cached or written. */
  apiKey?: string;
  /** Attempts in flight at once (--concurrency). Default 8. */
  concurrency?: number;
  /** Retries after the first attempt (--max-retries). Default 6. */
  maxRetries?: number;
  /** No retries; the first failure cancels the whole run (--fail-fast). */
  failFast?: boolean;
  /** Per-attempt timeout in ms (--timeout). Default 300 000. */
  timeoutMs?: number;
  /** SQLite cache file (--cache). Default `$IOPO_CACHE`, else `.iopo-cache/llm.sqlite` in the working directory. */
  cachePath?: string;
  /** Do not read or write the cache (--no-cache). Identical calls in flight are still merged. */
  noCache?: boolean;
  /** Spending cap in USD for the run (--max-budget). Requires a known price for the model. */
  maxBudget?: number;
  /** --price-input / --price-output (USD per 1M tokens) and/or a per-model table. */
  prices?: PriceOptions;
  /** JSON price file (--price-file), merged under `prices.table`. */
  priceFile?: string;
  /** Completion tokens assumed for budget checks when a request sets no max_tokens. Default 4096. */
  assumedMaxTokens?: number;
  /** HTTP transport under the openai SDK (default "node-http"; "fetch" = Node's built-in fetch). */
  transport?: "node-http" | "fetch";
  /** Record requests instead of calling (--dry-run). */
  dryRun?: boolean;
  /**
   * Refuse requests whose estimated prompt exceeds this many tokens (--max-prompt-tokens; 0 = no limit). Default: the
   * model's published context window, else DEFAULT_MAX_PROMPT_TOKENS (src/llm/prompt-limit.ts).
   */
  maxPromptTokens?: number;
  /** Fine control of backoff (base/max delay, largest honoured Retry-After). */
  retry?: Partial<Omit<RetryPolicy, "maxAttempts">>;
  /** Share one ledger / budget / cache between several models of a run (generator + judge). */
  ledger?: UsageLedger;
  budget?: Budget;
  cache?: ResponseCache;
  onEvent?: (event: SchedulerEvent) => void;
  /** Environment for defaults (tests). */
  env?: NodeJS.ProcessEnv;
  /** Test hooks for deterministic backoff. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Counters of the whole stack, for progress bars and summaries. */
export interface LlmStats {
  model: string;
  /** Network-facing counters (attempts, retries, 429s, failures, in flight). Zeroes for dry runs. */
  scheduler: SchedulerStats;
  cache: CacheCounters & { path?: string };
  usage: StageUsage;
  budget?: { cap_usd: number; spent_usd: number; reserved_usd: number; exhausted: boolean };
}

/** A ready-to-use ChatModel plus its accounting. Call `close()` when done (closes the cache file it opened). */
export interface ManagedChatModel extends ChatModel {
  readonly usage: UsageLedger;
  readonly budget?: Budget;
  readonly cache?: ResponseCache;
  /** Set for dry runs: the recorded requests. */
  readonly dryRun?: DryRunChatModel;
  /** The endpoint called, without credentials (undefined for dry runs). */
  readonly endpoint?: string;
  /** The prompt-size limit in force (undefined for dry runs). */
  readonly promptLimit?: PromptLimit;
  stats(): LlmStats;
  close(): void;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_RETRIES = 6;

/**
 * Compose the LLM access stack, outermost first:
 *
 *   usage ledger -> response cache + in-flight merge -> budget guard -> scheduler (concurrency, retries) -> HTTP model
 *
 * The cache sits outside the scheduler so hits cost no concurrency slot, no retry budget and no money; the budget
 * guard sits inside the cache so only live calls are charged. With `dryRun` the stack is ledger -> DryRunChatModel.
 */
export function createChatModel(options: CreateChatModelOptions): ManagedChatModel {
  const ledgerPrices: PriceOptions = { ...options.prices };
  if (options.priceFile) ledgerPrices.table = { ...loadPriceFile(options.priceFile), ...options.prices?.table };
  const ledger = options.ledger ?? new UsageLedger(ledgerPrices);
  const emptyScheduler: SchedulerStats = {
    calls: 0,
    succeeded: 0,
    failed: 0,
    attempts: 0,
    retries: 0,
    rate_limited: 0,
    errors: {},
    in_flight: 0,
    queued: 0,
    max_in_flight: 0,
  };

  if (options.dryRun) {
    const dry = new DryRunChatModel(options.model);
    const top = new UsageTrackingChatModel(dry, ledger);
    return managed(top, {
      usage: ledger,
      dryRun: dry,
      stats: () => ({
        model: options.model,
        scheduler: emptyScheduler,
        cache: { hits: 0, misses: 0, merged: 0, stored: 0, write_errors: 0 },
        usage: ledger.total(),
      }),
      close: () => {},
    });
  }

  const http = new OpenAIChatModel({
    baseUrl: options.baseUrl,
    model: options.model,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs,
    env: options.env,
    transport: options.transport,
  });
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new Error(`--max-retries must be an integer >= 0 (got ${maxRetries})`);
  }
  const scheduler = new ScheduledChatModel(http, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    failFast: options.failFast,
    retry: { ...options.retry, maxAttempts: maxRetries + 1 },
    sleep: options.sleep,
    random: options.random,
    onEvent: options.onEvent,
  });

  let live: ChatModel = scheduler;
  let budget = options.budget;
  if (options.maxBudget !== undefined && !budget) budget = new Budget(options.maxBudget);
  if (budget) {
    const price = ledger.priceOf(options.model);
    if (!price.known) {
      throw new Error(
        `--max-budget needs a price for model "${options.model}", which is not in the built-in table: ` +
          "give --price-input and --price-output (USD per 1M tokens) or --price-file",
      );
    }
    live = new BudgetedChatModel(live, { budget, price: price.price, assumedMaxTokens: options.assumedMaxTokens });
  }

  const ownsCache = !options.cache && !options.noCache;
  const cache = options.noCache
    ? undefined
    : (options.cache ?? new ResponseCache(options.cachePath ?? defaultCachePath(options.env)));
  const cached = new CachedChatModel(live, cache);
  // The size guard is outermost: a refusal does not depend on what happens to be cached.
  const guard = new PromptLimitChatModel(cached, resolvePromptLimit(options.model, options.maxPromptTokens));
  const top = new UsageTrackingChatModel(guard, ledger);
  return managed(top, {
    usage: ledger,
    budget,
    cache,
    endpoint: http.publicBaseUrl,
    promptLimit: guard.limit,
    stats: () => ({
      model: options.model,
      scheduler: scheduler.stats(),
      cache: { ...cached.counters, ...(cache ? { path: cache.path } : {}) },
      usage: ledger.total(),
      ...(budget
        ? {
            budget: {
              cap_usd: budget.capUsd,
              spent_usd: budget.spentUsd,
              reserved_usd: budget.reservedUsd,
              exhausted: budget.exhausted,
            },
          }
        : {}),
    }),
    close: () => {
      if (ownsCache) cache?.close();
    },
  });
}

function managed(top: ChatModel, parts: Omit<ManagedChatModel, "id" | "model" | "chat">): ManagedChatModel {
  return {
    id: top.id,
    model: top.model,
    chat: (request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> => top.chat(request, options),
    ...parts,
  };
}
