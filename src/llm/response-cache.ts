import { mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { canonicalJson, sha256 } from "../util/hash.js";
import { LlmCallError } from "./errors.js";
import { buildRequestBody } from "./request-body.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

/**
 * The LLM response cache: one SQLite file, one row per successful call.
 *
 * Key = sha256 of the canonical JSON of {endpoint identity (base URL without credentials) + model, the full request
 * body as sent, the prompt-template hash, the sample index}. The API key is never part of it.
 *
 * What is stored: only successful replies, i.e. what the live model returned without throwing. Errors of any kind are
 * never stored, and neither are empty replies (the OpenAI model raises them as retryable `empty_response`) nor
 * dry-run replies. Replies cut by `max_tokens` (finish_reason "length") ARE stored: they are the endpoint's real
 * answer to that exact request, the pipeline has consumed them, and a rerun must not pay for them again.
 *
 * Default location: `$IOPO_CACHE` if set, else `llm.sqlite` in `$IOPO_CACHE_DIR` (the folder of all of iopo's caches,
 * shared with the log-prob cache), else `.iopo-cache/llm.sqlite` in the working directory.
 * WAL mode with synchronous=NORMAL: a commit survives a killed process (not necessarily a power cut) and costs no
 * fsync, so thousands of writes per second are cheap; several processes may share the file (busy timeout 5 s).
 */
export const DEFAULT_CACHE_FILE = join(".iopo-cache", "llm.sqlite");

export function defaultCachePath(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(
    cwd,
    env.IOPO_CACHE || (env.IOPO_CACHE_DIR ? join(env.IOPO_CACHE_DIR, "llm.sqlite") : DEFAULT_CACHE_FILE),
  );
}

/** What identifies one call in the cache. */
export function cacheKey(
  modelId: string,
  model: string,
  request: ChatRequest,
  templateHash?: string,
  sample?: number,
): string {
  return cacheKeyAndBody(modelId, model, request, templateHash, sample).key;
}

/** The cache key and the canonical JSON of the request body it hashes (stored beside the reply, for inspection). */
function cacheKeyAndBody(
  modelId: string,
  model: string,
  request: ChatRequest,
  templateHash?: string,
  sample?: number,
): { key: string; body: string } {
  const body = canonicalJson(buildRequestBody(model, request));
  const key = sha256(
    `{"body":${body},"endpoint":${JSON.stringify(modelId)},"sample":${JSON.stringify(sample ?? null)},` +
      `"template_hash":${JSON.stringify(templateHash ?? null)},"v":1}`,
  );
  return { key, body };
}

export interface CacheEntryInfo {
  endpoint: string;
  model: string;
  templateHash?: string;
  stage?: string;
  /** The request body as sent (canonical JSON string, or the request to serialise). */
  request: ChatRequest | string;
}

export interface CacheStats {
  path: string;
  entries: number;
  file_bytes: number;
  prompt_tokens: number;
  completion_tokens: number;
  oldest?: string;
  newest?: string;
  by_model: Array<{
    model: string;
    endpoint: string;
    entries: number;
    prompt_tokens: number;
    completion_tokens: number;
  }>;
  by_stage: Array<{ stage: string; entries: number }>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  key TEXT PRIMARY KEY,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  template_hash TEXT,
  stage TEXT,
  request TEXT NOT NULL,
  response TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_model ON responses(model);
`;

/** Caches with possibly pending writes; committed on normal process exit even if nobody called close(). */
const OPEN_CACHES = new Set<ResponseCache>();
process.on("exit", () => {
  for (const cache of OPEN_CACHES) {
    try {
      cache.flush();
    } catch {
      // exiting anyway; the rerun will redo those calls
    }
  }
});

export class ResponseCache {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { response: string }>;
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly writeBatch: (rows: unknown[][]) => void;
  private readonly pending = new Map<string, unknown[]>();
  private flushScheduled = false;
  private readonly flushBound = () => {
    if (this.flushScheduled) this.flush();
  };
  private readonly flushMs: number;
  private readonly maxPending: number;

  constructor(
    path: string,
    options: {
      readonly?: boolean /** See put(). Default 0 (commit at the end of the event-loop turn). */;
      flushMs?: number;
      maxPending?: number;
    } = {},
  ) {
    this.path = resolve(path);
    this.flushMs = options.flushMs ?? 0;
    this.maxPending = options.maxPending ?? 256;
    if (!options.readonly) mkdirSync(dirname(this.path), { recursive: true });
    try {
      this.db = new Database(this.path, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      this.db.pragma("busy_timeout = 5000");
      if (!options.readonly) {
        this.db.pragma("journal_mode = WAL");
        this.db.pragma("synchronous = NORMAL");
        this.db.exec(SCHEMA);
      }
      this.getStmt = this.db.prepare("SELECT response FROM responses WHERE key = ?");
      this.putStmt = options.readonly
        ? (undefined as unknown as Database.Statement<unknown[]>)
        : this.db.prepare(
            `INSERT OR REPLACE INTO responses
             (key, endpoint, model, template_hash, stage, request, response, prompt_tokens, completion_tokens, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          );
      this.writeBatch = this.db.transaction((rows: unknown[][]) => {
        for (const row of rows) this.putStmt.run(...row);
      });
    } catch (err) {
      (this as unknown as { db?: Database.Database }).db?.close(); // opened but unusable
      throw new Error(
        `cannot open the response cache ${this.path}: ${(err as Error).message} ` +
          "(delete the file, or choose another with --cache / IOPO_CACHE, or run with --no-cache)",
      );
    }
    if (!options.readonly) OPEN_CACHES.add(this);
  }

  get(key: string): ChatResponse | undefined {
    const pending = this.pending.get(key);
    if (pending) return { ...(JSON.parse(pending[6] as string) as ChatResponse), cached: true };
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    const stored = JSON.parse(row.response) as ChatResponse;
    return { ...stored, cached: true };
  }

  /**
   * Store a reply. Writes are committed in groups, one transaction per event-loop turn by default (`flushMs` 0:
   * setImmediate): replies that arrive together (the common case at high concurrency, when the loop is busy) share a
   * commit, ~4x cheaper than one commit each, while a reply is still on disk before any timer or new I/O callback
   * runs, so a killed process loses at most the replies of the turn it died in (which the pipeline had not recorded
   * either). `flushMs > 0` widens the window to a timer; pending writes are also committed by flush(), close(),
   * stats(), clear() and at process exit.
   */
  put(key: string, info: CacheEntryInfo, response: ChatResponse): void {
    const stored: ChatResponse = {
      text: response.text,
      usage: response.usage,
      model: response.model,
      finish_reason: response.finish_reason,
    };
    this.pending.set(key, [
      key,
      info.endpoint,
      info.model,
      info.templateHash ?? null,
      info.stage ?? null,
      typeof info.request === "string" ? info.request : canonicalJson(info.request),
      JSON.stringify(stored),
      response.usage.prompt_tokens,
      response.usage.completion_tokens,
      new Date().toISOString(),
    ]);
    if (this.pending.size >= this.maxPending) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (this.flushMs <= 0) setImmediate(this.flushBound);
      else setTimeout(this.flushBound, this.flushMs).unref();
    }
  }

  /** Commit pending writes now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0 || !this.db.open) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    this.writeBatch(rows);
  }

  stats(): CacheStats {
    this.flush();
    const total = this.db
      .prepare(
        `SELECT COUNT(*) AS entries, COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
                COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
                MIN(created_at) AS oldest, MAX(created_at) AS newest FROM responses`,
      )
      .get() as {
      entries: number;
      prompt_tokens: number;
      completion_tokens: number;
      oldest: string | null;
      newest: string | null;
    };
    const byModel = this.db
      .prepare(
        `SELECT model, endpoint, COUNT(*) AS entries, SUM(prompt_tokens) AS prompt_tokens,
                SUM(completion_tokens) AS completion_tokens
         FROM responses GROUP BY endpoint, model ORDER BY entries DESC, endpoint, model`,
      )
      .all() as CacheStats["by_model"];
    const byStage = this.db
      .prepare(
        `SELECT COALESCE(stage, '(none)') AS stage, COUNT(*) AS entries FROM responses
         GROUP BY stage ORDER BY entries DESC, stage`,
      )
      .all() as CacheStats["by_stage"];
    return {
      path: this.path,
      entries: total.entries,
      file_bytes: fileBytes(this.path),
      prompt_tokens: total.prompt_tokens,
      completion_tokens: total.completion_tokens,
      ...(total.oldest ? { oldest: total.oldest } : {}),
      ...(total.newest ? { newest: total.newest } : {}),
      by_model: byModel,
      by_stage: byStage,
    };
  }

  /** Delete all entries (or those of one model); returns how many were removed. */
  clear(filter: { model?: string } = {}): number {
    this.flush();
    const info =
      filter.model === undefined
        ? this.db.prepare("DELETE FROM responses").run()
        : this.db.prepare("DELETE FROM responses WHERE model = ?").run(filter.model);
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.exec("VACUUM");
    return info.changes;
  }

  close(): void {
    OPEN_CACHES.delete(this);
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }
}

function fileBytes(path: string): number {
  let total = 0;
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      total += statSync(p).size;
    } catch {
      // absent companion file
    }
  }
  return total;
}

export interface CacheCounters {
  /** Served from the SQLite file. */
  hits: number;
  /** Sent on (one per distinct in-flight request). */
  misses: number;
  /** Served by joining an identical call already in flight. */
  merged: number;
  stored: number;
  /** Cache writes that failed (the call still succeeded; the reply is just not reusable). */
  write_errors: number;
}

interface InFlight {
  promise: Promise<ChatResponse>;
  controller: AbortController;
  waiters: number;
  settled: boolean;
  /** The first awaiter to receive the reply accounts for the live call; the others see `cached: true`. */
  delivered: boolean;
}

/**
 * ChatModel wrapper that answers from the cache when it can, merges identical concurrent calls into one, and stores
 * successful replies. Placed outermost so a cache hit costs no concurrency slot, retry or budget.
 */
export class CachedChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  private readonly inflight = new Map<string, InFlight>();
  readonly counters: CacheCounters = { hits: 0, misses: 0, merged: 0, stored: 0, write_errors: 0 };

  constructor(
    private readonly inner: ChatModel,
    /** Undefined = no persistent cache (in-flight merging only). */
    readonly cache: ResponseCache | undefined,
  ) {
    this.id = inner.id;
    this.model = inner.model;
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const { key, body } = cacheKeyAndBody(
      this.inner.id,
      this.inner.model,
      request,
      options.templateHash,
      options.sample,
    );
    const hit = this.cache?.get(key);
    if (hit) {
      this.counters.hits++;
      return hit;
    }
    let entry = this.inflight.get(key);
    if (entry) this.counters.merged++;
    else {
      this.counters.misses++;
      entry = this.start(key, body, request, options);
    }
    entry.waiters++;
    try {
      const response = await raceAbort(entry.promise, options.signal);
      if (entry.delivered) return { ...response, cached: true };
      entry.delivered = true;
      return response.cached === undefined ? { ...response, cached: false } : response;
    } finally {
      entry.waiters--;
      if (entry.waiters === 0 && !entry.settled) entry.controller.abort(options.signal?.reason);
    }
  }

  private start(key: string, body: string, request: ChatRequest, options: ChatCallOptions): InFlight {
    const controller = new AbortController();
    const entry: InFlight = {
      controller,
      waiters: 0,
      settled: false,
      delivered: false,
      promise: Promise.resolve(),
    } as unknown as InFlight;
    entry.promise = (async () => {
      try {
        const response = await this.inner.chat(request, { ...options, signal: controller.signal });
        if (this.cache && response.text.length > 0 && !response.dry_run) {
          try {
            this.cache.put(
              key,
              {
                endpoint: this.inner.id,
                model: this.inner.model,
                templateHash: options.templateHash,
                stage: options.stage,
                request: body,
              },
              response,
            );
            this.counters.stored++;
          } catch {
            this.counters.write_errors++;
          }
        }
        return response;
      } finally {
        entry.settled = true;
        this.inflight.delete(key);
      }
    })();
    // Awaiters that all aborted leave the shared promise unobserved; keep its rejection from crashing the process.
    entry.promise.catch(() => {});
    this.inflight.set(key, entry);
    return entry;
  }
}

function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new LlmCallError("cancelled", { kind: "aborted", cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new LlmCallError("cancelled", { kind: "aborted", cause: signal.reason }));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
