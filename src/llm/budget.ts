import { BudgetExceededError } from "./errors.js";
import { costUsd, type Price } from "./prices.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

/**
 * A spending cap (`--max-budget USD`) shared by every model of a run.
 *
 * Before each live call, its worst-case cost is reserved; the call is refused (BudgetExceededError, nothing sent) when
 * spent + reserved-in-flight + worst case would exceed the cap. When it returns, the reservation is replaced by the
 * actual cost. Once a call has been refused the budget stays exhausted, so a run stops at one clear point instead of
 * squeezing in smaller calls. Failed attempts are assumed free (429s and 5xx are not billed).
 */
export class Budget {
  private spent = 0;
  private reserved = 0;
  private refused: BudgetExceededError | undefined;

  constructor(readonly capUsd: number) {
    if (!Number.isFinite(capUsd) || capUsd < 0)
      throw new Error(`--max-budget must be a non-negative number (got ${capUsd})`);
  }

  get spentUsd(): number {
    return this.spent;
  }

  get reservedUsd(): number {
    return this.reserved;
  }

  get exhausted(): boolean {
    return this.refused !== undefined;
  }

  /** Reserve `worstCaseUsd` or throw BudgetExceededError. */
  reserve(worstCaseUsd: number): void {
    if (this.refused || this.spent + this.reserved + worstCaseUsd > this.capUsd) {
      this.refused = new BudgetExceededError(this.capUsd, this.spent, this.reserved, worstCaseUsd);
      throw this.refused;
    }
    this.reserved += worstCaseUsd;
  }

  /** Replace a reservation by what the call actually cost (0 when it failed). */
  settle(reservedUsd: number, actualUsd: number): void {
    this.reserved = Math.max(0, this.reserved - reservedUsd);
    this.spent += actualUsd;
  }
}

/** Chat-template overhead per message and per request (role markers, BOS, assistant prefix), in tokens. */
const TOKENS_PER_MESSAGE = 8;
const TOKENS_PER_REQUEST = 16;

/**
 * Upper estimate of a request's prompt tokens. Byte-level BPE tokenizers never produce more tokens than UTF-8 bytes,
 * so before any reply the estimate is the byte count (a safe bound). As replies report real prompt_tokens, the
 * observed tokens-per-byte maximum (plus 25% margin, never above 1) replaces the bound, so English prompts are not
 * overestimated fourfold for the whole run.
 */
export class PromptTokenEstimator {
  private maxRatio: number | undefined;

  estimate(request: ChatRequest): number {
    const bytes = promptBytes(request);
    const ratio = this.maxRatio === undefined ? 1 : Math.min(1, this.maxRatio * 1.25);
    return Math.ceil(bytes * ratio) + TOKENS_PER_MESSAGE * request.messages.length + TOKENS_PER_REQUEST;
  }

  observe(request: ChatRequest, promptTokens: number): void {
    const bytes = promptBytes(request);
    if (bytes < 64 || promptTokens <= 0) return; // tiny prompts are dominated by template overhead
    const ratio = promptTokens / bytes;
    this.maxRatio = this.maxRatio === undefined ? ratio : Math.max(this.maxRatio, ratio);
  }
}

function promptBytes(request: ChatRequest): number {
  let n = 0;
  for (const m of request.messages) n += Buffer.byteLength(m.content, "utf8");
  return n;
}

export interface BudgetedChatModelOptions {
  budget: Budget;
  price: Price;
  /** Completion tokens assumed when a request sets no max_tokens. Default 4096. */
  assumedMaxTokens?: number;
}

/** Guards the live path (inside the cache, outside the scheduler): reserve, call, settle. */
export class BudgetedChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  private readonly estimator = new PromptTokenEstimator();
  private readonly budget: Budget;
  private readonly price: Price;
  private readonly assumedMaxTokens: number;

  constructor(
    private readonly inner: ChatModel,
    options: BudgetedChatModelOptions,
  ) {
    this.id = inner.id;
    this.model = inner.model;
    this.budget = options.budget;
    this.price = options.price;
    this.assumedMaxTokens = options.assumedMaxTokens ?? 4096;
  }

  /** Worst-case cost of one request, USD. */
  worstCaseUsd(request: ChatRequest): number {
    return costUsd(
      {
        prompt_tokens: this.estimator.estimate(request),
        completion_tokens: request.max_tokens ?? this.assumedMaxTokens,
      },
      this.price,
    );
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const worst = this.worstCaseUsd(request);
    this.budget.reserve(worst);
    let actual = 0;
    try {
      const response = await this.inner.chat(request, options);
      actual = costUsd(response.usage, this.price);
      this.estimator.observe(request, response.usage.prompt_tokens);
      return response;
    } finally {
      this.budget.settle(worst, actual);
    }
  }
}
