import { costUsd, type PriceOptions, type ResolvedPrice, resolvePrice } from "./prices.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse, TokenUsage } from "./types.js";

/** Token usage and estimated cost of one stage (or of the whole run). */
export interface StageUsage {
  /** Replies received (live + cached + dry-run). */
  calls: number;
  /** Replies that cost an API call. */
  live_calls: number;
  /** Replies served from the cache or merged into an identical call in flight (no cost). */
  cached_calls: number;
  dry_run_calls: number;
  live: TokenUsage;
  cached: TokenUsage;
  /** Estimated spend of the live calls, USD. */
  cost_usd: number;
  /** What the cached replies would have cost live, USD. */
  saved_usd: number;
  /** Models without a known price (their cost is counted as 0). */
  unpriced_models: string[];
}

function emptyUsage(): StageUsage {
  return {
    calls: 0,
    live_calls: 0,
    cached_calls: 0,
    dry_run_calls: 0,
    live: { prompt_tokens: 0, completion_tokens: 0 },
    cached: { prompt_tokens: 0, completion_tokens: 0 },
    cost_usd: 0,
    saved_usd: 0,
    unpriced_models: [],
  };
}

/**
 * Per-stage token and cost accounting. One ledger may be shared by several models (generator and judge): each reply
 * is priced by the model that produced it. Stage "" collects calls made without a stage name.
 */
export class UsageLedger {
  private readonly stages = new Map<string, StageUsage>();
  private readonly prices = new Map<string, ResolvedPrice>();

  constructor(private readonly priceOptions: PriceOptions = {}) {}

  /** The price used for a model (resolved once, then remembered). */
  priceOf(model: string): ResolvedPrice {
    let p = this.prices.get(model);
    if (!p) {
      p = resolvePrice(model, this.priceOptions);
      this.prices.set(model, p);
    }
    return p;
  }

  record(stage: string | undefined, response: ChatResponse): void {
    const name = stage ?? "";
    let s = this.stages.get(name);
    if (!s) this.stages.set(name, (s = emptyUsage()));
    const { price, known } = this.priceOf(response.model);
    s.calls++;
    if (response.dry_run) {
      s.dry_run_calls++;
      return;
    }
    if (!known && !s.unpriced_models.includes(response.model)) s.unpriced_models.push(response.model);
    const cost = costUsd(response.usage, price);
    const side = response.cached ? s.cached : s.live;
    side.prompt_tokens += response.usage.prompt_tokens;
    side.completion_tokens += response.usage.completion_tokens;
    if (response.cached) {
      s.cached_calls++;
      s.saved_usd += cost;
    } else {
      s.live_calls++;
      s.cost_usd += cost;
    }
  }

  /** A copy of the per-stage figures, in first-seen order. */
  byStage(): Record<string, StageUsage> {
    const out: Record<string, StageUsage> = {};
    for (const [name, s] of this.stages) out[name] = structuredClone(s);
    return out;
  }

  total(): StageUsage {
    const t = emptyUsage();
    for (const s of this.stages.values()) {
      t.calls += s.calls;
      t.live_calls += s.live_calls;
      t.cached_calls += s.cached_calls;
      t.dry_run_calls += s.dry_run_calls;
      t.live.prompt_tokens += s.live.prompt_tokens;
      t.live.completion_tokens += s.live.completion_tokens;
      t.cached.prompt_tokens += s.cached.prompt_tokens;
      t.cached.completion_tokens += s.cached.completion_tokens;
      t.cost_usd += s.cost_usd;
      t.saved_usd += s.saved_usd;
      for (const m of s.unpriced_models) if (!t.unpriced_models.includes(m)) t.unpriced_models.push(m);
    }
    return t;
  }
}

/** Records every reply (live, cached, merged or dry-run) in a ledger under the call's stage. Outermost wrapper. */
export class UsageTrackingChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;

  constructor(
    private readonly inner: ChatModel,
    readonly ledger: UsageLedger,
  ) {
    this.id = inner.id;
    this.model = inner.model;
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const response = await this.inner.chat(request, options);
    this.ledger.record(options.stage, response);
    return response;
  }
}
