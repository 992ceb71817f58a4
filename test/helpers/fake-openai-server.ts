/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 (random port) for tests and benchmarks, with scripted replies and
 * injectable faults. No dependency besides node:http.
 *
 *   const server = await startFakeOpenAIServer({
 *     reply: (req) => `answer to ${req.lastUser}`,        // string or { text, finish_reason?, usage? }; may be async
 *     latencyMs: 200,                                      // or (req) => ms
 *     faultRate: 0.2, faultKinds: ["rate_limit", "server_500", "truncate"], seed: 7,   // random faults
 *     fault: (req) => (req.seen === 0 ? "server_503" : undefined),                     // or scripted faults
 *   });
 *   const client = createChatModel({ baseUrl: server.baseUrl, model: "fake-model", ... });
 *   server.counts;   // { total, ok, faults: { rate_limit: 3, ... } }   (chat-completion requests only)
 *   server.maxInFlight, server.requests (bodies + headers received), server.setOptions({...}), server.resetCounts()
 *   await server.close();
 *
 * Endpoints: POST /v1/chat/completions (non-streaming), GET /v1/models, and GET /_fake/stats (the counts, in flight
 * and max in flight as JSON, for tests that run the server in another process). Anything else: 404 JSON error.
 * `node --import tsx test/helpers/fake-openai-server.ts [--latency-ms N] [--fault-rate R] [--seed S]` runs it
 * stand-alone and prints `{"baseUrl": ...}` as its first stdout line.
 *
 * Fault kinds:
 *   rate_limit  429 with `Retry-After: <retryAfter>` (default "0") and, if set, `retry-after-ms`
 *   server_500 / server_502 / server_503   that status with a JSON error body
 *   hang        accept the request and never answer (until `hangMs`, if set, then answer normally)
 *   truncate    200 with full Content-Length, half the JSON body, then the connection is destroyed
 *   reset       the connection is reset (RST) without any response
 *   malformed   a normal 200 reply whose TEXT is garbled (for parsers upstream; clients see a success)
 *
 * Which requests fail is deterministic and independent of arrival order: a fault is drawn from a hash of (seed,
 * request body, how many times this same body arrived before), so a retry of a request gets a fresh draw and a test
 * run is reproducible however concurrency interleaves requests. `fault(req)` (if given) decides first; returning
 * undefined falls through to the random draw.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pathToFileURL } from "node:url";

export type FaultKind =
  | "rate_limit"
  | "server_500"
  | "server_502"
  | "server_503"
  | "hang"
  | "truncate"
  | "reset"
  | "malformed";

export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  "rate_limit",
  "server_500",
  "server_502",
  "server_503",
  "hang",
  "truncate",
  "reset",
  "malformed",
];

export interface FakeMessage {
  role: string;
  content: string;
}

/** What reply functions and fault scripts see about one request. */
export interface FakeRequest {
  body: { model?: string; messages?: FakeMessage[]; max_tokens?: number; [key: string]: unknown };
  messages: FakeMessage[];
  /** Content of the last user message ("" if none). */
  lastUser: string;
  model: string;
  /** 0-based arrival index among all chat-completion requests. */
  index: number;
  /** How many times a request with this exact body arrived before (0 on the first attempt). */
  seen: number;
  headers: IncomingMessage["headers"];
}

export interface FakeReply {
  text: string;
  finish_reason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface FakeServerOptions {
  /** Reply text for a request. Default: `echo: <last user message>`. */
  reply?: (req: FakeRequest) => string | FakeReply | Promise<string | FakeReply>;
  /** Delay before answering (also before error statuses). Default 0. */
  latencyMs?: number | ((req: FakeRequest) => number);
  /** Probability in [0, 1] of a random fault per request. Default 0. */
  faultRate?: number;
  /** Kinds drawn (uniformly) for random faults. Default: all kinds. */
  faultKinds?: readonly FaultKind[];
  seed?: number;
  /** Scripted fault for a request; undefined = no scripted fault (the random draw still applies). */
  fault?: (req: FakeRequest) => FaultKind | undefined;
  /** Retry-After header value sent with 429. Default "0". */
  retryAfter?: string;
  /** retry-after-ms header value sent with 429 (not sent by default). */
  retryAfterMs?: string;
  /** `hang` answers normally after this many ms; default: never (until the client gives up). */
  hangMs?: number;
  /** Model ids listed by GET /v1/models. Default ["fake-model"]. */
  models?: string[];
  /** When set, requests without `Authorization: Bearer <requireApiKey>` get 401. */
  requireApiKey?: string;
  /** Message of that 401 (some servers echo the key they got: tests use this to check redaction). */
  unauthorizedMessage?: (authorization: string | undefined) => string;
  /** Keep every request in `requests` (default true; benchmarks may turn it off). */
  record?: boolean;
}

export interface FakeServerCounts {
  /** Chat-completion requests received. */
  total: number;
  /** Answered with a normal (not garbled) 200. */
  ok: number;
  faults: Record<FaultKind, number>;
  /** Rejected with 401 by `requireApiKey`. */
  unauthorized: number;
}

export interface FakeOpenAIServer {
  /** e.g. http://127.0.0.1:41234/v1 (pass as baseUrl). */
  readonly baseUrl: string;
  readonly port: number;
  readonly counts: FakeServerCounts;
  /** Chat-completion requests currently being handled, and the highest such number seen. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Requests received, in arrival order. */
  readonly requests: FakeRequest[];
  setOptions(patch: Partial<FakeServerOptions>): void;
  resetCounts(): void;
  close(): Promise<void>;
}

function emptyCounts(): FakeServerCounts {
  return {
    total: 0,
    ok: 0,
    unauthorized: 0,
    faults: Object.fromEntries(ALL_FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  };
}

/** Deterministic approximate token count (about 4 characters per token). */
export function fakeTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function startFakeOpenAIServer(initial: FakeServerOptions = {}): Promise<FakeOpenAIServer> {
  let options: FakeServerOptions = { ...initial };
  let counts = emptyCounts();
  let inFlight = 0;
  let maxInFlight = 0;
  let arrivals = 0;
  const seenBodies = new Map<string, number>();
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake server bug: ${String(err)}` } });
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Long benchmarks keep connections alive between calls; do not let Node's 5 s default race the client's pool.
  server.keepAliveTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" && url === "/v1/models") {
      const models = options.models ?? ["fake-model"];
      sendJson(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })),
      });
      return;
    }
    if (req.method === "GET" && url === "/_fake/stats") {
      sendJson(res, 200, { ...counts, inFlight, maxInFlight });
      return;
    }
    if (req.method !== "POST" || url !== "/v1/chat/completions") {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${url}`, type: "not_found" } });
      return;
    }
    const raw = await readBody(req);
    counts.total++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Done when the reply has been handed to the OS ('finish'), or the connection dropped ('close'), whichever first.
    let done = false;
    const leave = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.once("finish", leave);
    res.once("close", leave);

    let body: FakeRequest["body"];
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      return;
    }
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const seen = seenBodies.get(raw) ?? 0;
    seenBodies.set(raw, seen + 1);
    const fr: FakeRequest = {
      body,
      messages,
      lastUser: [...messages].reverse().find((m) => m.role === "user")?.content ?? "",
      model: typeof body.model === "string" ? body.model : "",
      index: arrivals++,
      seen,
      headers: req.headers,
    };
    if (options.record !== false) requests.push(fr);

    if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
      counts.unauthorized++;
      const message = options.unauthorizedMessage?.(req.headers.authorization) ?? "Incorrect API key provided.";
      sendJson(res, 401, { error: { message, type: "invalid_request_error" } });
      return;
    }
    if (!Array.isArray(body.messages) || typeof body.model !== "string") {
      sendJson(res, 400, { error: { message: "model and messages are required", type: "invalid_request_error" } });
      return;
    }

    const fault = options.fault?.(fr) ?? drawFault(raw, seen);
    if (fault) counts.faults[fault]++;

    if (fault === "reset") {
      const socket = req.socket as Socket & { resetAndDestroy?: () => void };
      if (socket.resetAndDestroy) socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    if (fault === "hang") {
      if (options.hangMs === undefined) return; // never answer; the client's timeout closes the socket
      await sleep(options.hangMs);
      if (res.destroyed) return;
    } else {
      const latency = typeof options.latencyMs === "function" ? options.latencyMs(fr) : (options.latencyMs ?? 0);
      if (latency > 0) await sleep(latency);
      if (res.destroyed) return;
    }

    if (fault === "rate_limit") {
      const headers: Record<string, string> = { "retry-after": options.retryAfter ?? "0" };
      if (options.retryAfterMs !== undefined) headers["retry-after-ms"] = options.retryAfterMs;
      sendJson(res, 429, { error: { message: "Rate limit reached (fake)", type: "rate_limit_exceeded" } }, headers);
      return;
    }
    if (fault === "server_500" || fault === "server_502" || fault === "server_503") {
      const status = Number(fault.slice("server_".length));
      sendJson(res, status, { error: { message: `fake ${status}`, type: "server_error" } });
      return;
    }

    const produced = await (options.reply ?? defaultReply)(fr);
    const reply: FakeReply = typeof produced === "string" ? { text: produced } : produced;
    const text = fault === "malformed" ? garble(reply.text) : reply.text;
    const promptText = messages.map((m) => m.content).join("\n");
    const payload = JSON.stringify({
      id: `chatcmpl-fake-${fr.index}`,
      object: "chat.completion",
      created: 0,
      model: fr.model,
      choices: [
        { index: 0, message: { role: "assistant", content: text }, finish_reason: reply.finish_reason ?? "stop" },
      ],
      usage: reply.usage
        ? { ...reply.usage, total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens }
        : {
            prompt_tokens: fakeTokenCount(promptText) + 8,
            completion_tokens: fakeTokenCount(text),
            total_tokens: fakeTokenCount(promptText) + 8 + fakeTokenCount(text),
          },
    });

    if (fault === "truncate") {
      const bytes = Buffer.from(payload, "utf8");
      res.writeHead(200, { "content-type": "application/json", "content-length": String(bytes.length) });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return;
    }
    if (!fault) counts.ok++;
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) });
    res.end(payload);
  }

  function drawFault(raw: string, seen: number): FaultKind | undefined {
    const rate = options.faultRate ?? 0;
    if (rate <= 0) return undefined;
    const h = createHash("sha256")
      .update(`${options.seed ?? 0}\n${seen}\n${raw}`)
      .digest();
    const u = h.readUInt32BE(0) / 2 ** 32;
    if (u >= rate) return undefined;
    const kinds = options.faultKinds ?? ALL_FAULT_KINDS;
    return kinds[h.readUInt32BE(4) % kinds.length];
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    get counts() {
      return counts;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    requests,
    setOptions(patch) {
      options = { ...options, ...patch };
    },
    resetCounts() {
      counts = emptyCounts();
      maxInFlight = inFlight;
      arrivals = 0;
      seenBodies.clear();
      requests.length = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function defaultReply(req: FakeRequest): string {
  return `echo: ${req.lastUser}`;
}

/** Keep a recognisable prefix, then break structure: what a confused model emits. */
function garble(text: string): string {
  const half = text.slice(0, Math.ceil(text.length / 2));
  return `${half}\u0000}}]]<<garbled>> ##${half.split("").reverse().join("")}`;
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stand-alone mode (benchmarks run the server in its own process so it does not share the client's event loop). */
async function runStandalone(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const server = await startFakeOpenAIServer({
    latencyMs: Number(arg("--latency-ms") ?? 0),
    faultRate: Number(arg("--fault-rate") ?? 0),
    seed: Number(arg("--seed") ?? 0),
    record: false,
  });
  process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runStandalone(process.argv.slice(2));
}
