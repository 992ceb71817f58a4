import { setMaxListeners } from "node:events";
import { LlmCallError, type LlmErrorKind } from "./errors.js";
import { DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy, retryDelayMs } from "./retry-policy.js";
import { Semaphore } from "./semaphore.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

export interface SchedulerOptions {
  /** Attempts in flight at once. */
  concurrency: number;
  retry?: Partial<RetryPolicy>;
  /** No retries at all; the first failed call cancels every other call and later calls fail at once. */
  failFast?: boolean;
  /** Injectable for tests: wait `ms` (rejecting when `signal` aborts). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests: uniform in [0, 1). */
  random?: () => number;
  /** Called on each retry and final failure (for logs). Never receives secrets. */
  onEvent?: (event: SchedulerEvent) => void;
  /**
   * Stop every call after this many calls in a row failed for good (after their retries) on the transport - no
   * connection, timeouts, 5xx, 429 - with no success in between: the endpoint is down, and every other call would
   * spend its retries failing the same way. Default max(16, 2 x concurrency); 0 = never.
   */
  stopAfterConsecutiveFailures?: number;
}

/** Failures that say the endpoint itself is unwell, not that a request is wrong. */
const TRANSPORT_KINDS: ReadonlySet<LlmErrorKind> = new Set(["connection", "timeout", "server", "rate_limit"]);

export type SchedulerEvent =
  | {
      type: "retry";
      stage?: string;
      attempt: number;
      kind: LlmErrorKind;
      status?: number;
      delayMs: number;
      message: string;
    }
  | { type: "failure"; stage?: string; attempts: number; kind: LlmErrorKind; status?: number; message: string };

/** Counters for the progress display and the run summary. */
export interface SchedulerStats {
  /** Calls accepted (each may take several attempts). */
  calls: number;
  succeeded: number;
  /** Calls that finally failed (after retries, or at once for non-retryable errors). */
  failed: number;
  /** HTTP requests attempted. */
  attempts: number;
  retries: number;
  /** Attempts answered with HTTP 429. */
  rate_limited: number;
  /** Failed attempts by kind. */
  errors: Partial<Record<LlmErrorKind, number>>;
  in_flight: number;
  queued: number;
  /** Highest number of attempts in flight at once (never above the concurrency). */
  max_in_flight: number;
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Bounded concurrency + retries around a ChatModel that makes one attempt per `chat` (OpenAIChatModel).
 *
 * - A semaphore bounds attempts in flight; a call waiting out a backoff holds no slot, so others proceed.
 * - Retryable failures (429, 5xx, 408, 409, timeouts, connection resets, truncated/invalid bodies, empty replies) are
 *   retried with exponential backoff + full jitter honouring Retry-After, up to `maxAttempts` attempts.
 * - Non-retryable failures (400, 422, ...) fail the call at once. Configuration failures (401, 403, 404: wrong key,
 *   model or URL) fail every call from then on without contacting the server, since all of them would fail the same.
 * - `failFast`: a single attempt per call, and the first failure cancels every call in flight or queued.
 * - A dead endpoint (stopAfterConsecutiveFailures calls in a row failing on the transport after their retries) stops
 *   every remaining call at once instead of letting each spend its retries and backoff on the same failure.
 */
export class ScheduledChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  readonly policy: RetryPolicy;
  private readonly semaphore: Semaphore;
  private readonly failFast: boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly onEvent?: (event: SchedulerEvent) => void;
  /** Aborted when a fatal error (or any error under fail-fast) stops the run. */
  private readonly stopAll = new AbortController();
  private fatal: LlmCallError | undefined;
  private readonly stopAfter: number;
  private consecutiveFailures = 0;
  private readonly counters: SchedulerStats = {
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

  constructor(
    private readonly inner: ChatModel,
    options: SchedulerOptions,
  ) {
    this.id = inner.id;
    this.model = inner.model;
    this.semaphore = new Semaphore(options.concurrency);
    this.failFast = options.failFast ?? false;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (this.failFast) this.policy.maxAttempts = 1;
    if (!Number.isInteger(this.policy.maxAttempts) || this.policy.maxAttempts < 1) {
      throw new Error(`max attempts must be an integer >= 1 (got ${this.policy.maxAttempts})`);
    }
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent;
    this.stopAfter = options.stopAfterConsecutiveFailures ?? Math.max(16, 2 * options.concurrency);
    // Every queued call listens on the run-wide stop signal; thousands of listeners are expected, not a leak.
    setMaxListeners(0, this.stopAll.signal);
  }

  stats(): SchedulerStats {
    return {
      ...this.counters,
      errors: { ...this.counters.errors },
      in_flight: this.semaphore.inUse,
      queued: this.semaphore.waiting,
    };
  }

  /** The error that stopped all work (fail-fast or a configuration error), if any. */
  get stoppedBy(): LlmCallError | undefined {
    return this.fatal;
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    this.counters.calls++;
    const signal = options.signal ? AbortSignal.any([options.signal, this.stopAll.signal]) : this.stopAll.signal;
    for (let attempt = 1; ; attempt++) {
      this.throwIfStopped(options.signal);
      try {
        // Only the caller's own signal here: a run-wide stop cancels waiters through the semaphore, which keeps
        // thousands of queued calls from each adding (and later removing, O(n)) a listener on one shared signal.
        await this.semaphore.acquire(options.signal);
      } catch {
        this.throwIfStopped(options.signal);
        throw new LlmCallError("cancelled while waiting for a slot", { kind: "aborted" });
      }
      let error: LlmCallError;
      try {
        this.counters.attempts++;
        this.counters.max_in_flight = Math.max(this.counters.max_in_flight, this.semaphore.inUse);
        const response = await this.inner.chat(request, { ...options, signal });
        this.counters.succeeded++;
        this.consecutiveFailures = 0;
        return response;
      } catch (err) {
        error = toLlmCallError(err);
        // Stop the run before this slot is handed to a queued call.
        if (error.kind !== "aborted" && (this.failFast || error.fatal)) this.stop(error);
      } finally {
        this.semaphore.release();
      }
      // A call cancelled because another one stopped the run reports the stopping error.
      if (error.kind === "aborted" || this.fatal !== error) this.throwIfStopped(options.signal);
      this.count(error);
      if (this.fatal === error) this.fail(error, attempt, options.stage);
      if (!isRetryable(error) || attempt >= this.policy.maxAttempts) this.fail(error, attempt, options.stage);
      const delay = retryDelayMs(this.policy, attempt, error, this.random);
      if (delay === undefined) {
        const wait = Math.round((error.retryAfterMs ?? 0) / 1000);
        this.fail(
          new LlmCallError(`${error.message} (the server asked to wait ${wait} s, more than the allowed maximum)`, {
            kind: error.kind,
            status: error.status,
            retryable: false,
            cause: error,
          }),
          attempt,
          options.stage,
        );
      }
      this.counters.retries++;
      this.onEvent?.({
        type: "retry",
        stage: options.stage,
        attempt,
        kind: error.kind,
        status: error.status,
        delayMs: Math.round(delay!),
        message: error.message,
      });
      try {
        await this.sleep(delay!, signal);
      } catch {
        this.throwIfStopped(options.signal);
        throw new LlmCallError("cancelled during retry backoff", { kind: "aborted" });
      }
    }
  }

  private count(error: LlmCallError): void {
    this.counters.errors[error.kind] = (this.counters.errors[error.kind] ?? 0) + 1;
    if (error.kind === "rate_limit") this.counters.rate_limited++;
  }

  private stop(error: LlmCallError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.stopAll.abort(error);
    this.semaphore.cancelAll(error);
  }

  private throwIfStopped(callerSignal?: AbortSignal): void {
    if (callerSignal?.aborted) throw new LlmCallError("cancelled", { kind: "aborted", cause: callerSignal.reason });
    if (this.fatal) {
      const reason = this.failFast
        ? "fail-fast"
        : this.fatal.kind === "config"
          ? "configuration error"
          : "the endpoint looks down";
      throw new LlmCallError(`not sent: stopped by an earlier failure (${reason}): ${this.fatal.message}`, {
        kind: this.fatal.kind,
        status: this.fatal.status,
        retryable: false,
        cause: this.fatal,
      });
    }
  }

  private fail(error: LlmCallError, attempts: number, stage?: string): never {
    this.counters.failed++;
    if (TRANSPORT_KINDS.has(error.kind) && !this.fatal) {
      this.consecutiveFailures++;
      if (this.stopAfter > 0 && this.consecutiveFailures >= this.stopAfter)
        this.stop(
          new LlmCallError(
            `${this.consecutiveFailures} calls in a row failed after their retries, none succeeded in between ` +
              `(last: ${error.message}); the remaining calls are not sent`,
            { kind: error.kind, status: error.status, retryable: false, cause: error },
          ),
        );
    }
    const final =
      attempts > 1
        ? new LlmCallError(`${error.message} (gave up after ${attempts} attempts)`, {
            kind: error.kind,
            status: error.status,
            retryable: false,
            cause: error,
          })
        : error;
    final.attempts = attempts;
    this.onEvent?.({
      type: "failure",
      stage,
      attempts,
      kind: final.kind,
      status: final.status,
      message: final.message,
    });
    throw final;
  }
}

function toLlmCallError(err: unknown): LlmCallError {
  if (err instanceof LlmCallError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new LlmCallError(`unexpected error: ${message}`, { kind: "unknown", cause: err });
}
