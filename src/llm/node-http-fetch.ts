import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/**
 * A small `fetch` for the openai SDK on node:http(s) with keep-alive agents: the chat API needs one request and one
 * buffered JSON reply per call, and Node 20's built-in fetch spends ~3x more CPU than node:http doing that (request
 * cloning, web streams). At hundreds of calls per second that CPU is what separates the wall time from the ideal
 * calls x latency / concurrency (bench/llm-pipeline.ts measures both).
 *
 * Semantics kept from fetch: the promise rejects on network errors (with the socket error, code ECONNRESET etc., as
 * cause) and on abort (an AbortError); gzip/deflate/br bodies are decoded. Differences, deliberately: the whole body is
 * read before the promise resolves (so a body cut off mid-transfer rejects the call: the SDK reports it as a connection
 * error), and redirects are handed to the built-in fetch, which implements them fully.
 */
export function createNodeHttpFetch(): typeof fetch {
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, scheduling: "lifo" }),
    "https:": new HttpsAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, scheduling: "lifo" }),
  };

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== "string" && !(input instanceof URL)) return fetch(input, init);
    const url = typeof input === "string" ? new URL(input) : input;
    const body = init.body;
    if (
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      (body != null && typeof body !== "string" && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init); // streams, forms, other schemes: not needed for chat calls
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal));

    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      if (!("accept-encoding" in headers)) headers["accept-encoding"] = "gzip, deflate, br";
      const payload = body == null ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body;
      if (payload) headers["content-length"] = String(payload.byteLength);

      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        reject(err);
      };
      const req = send(
        url,
        {
          method: init.method ?? "GET",
          headers,
          agent: url.protocol === "https:" ? agents["https:"] : agents["http:"],
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && res.headers.location && init.redirect !== "manual") {
            res.resume();
            settled = true;
            signal?.removeEventListener("abort", onAbort);
            fetch(input, init).then(resolve, reject);
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("aborted", () => fail(terminated()));
          res.on("error", (err) => fail(terminated(err)));
          res.on("close", () => {
            if (!res.complete) fail(terminated());
          });
          res.on("end", () => {
            if (settled) return;
            if (!res.complete) return fail(terminated());
            let data: Buffer;
            try {
              data = decode(Buffer.concat(chunks), res);
            } catch (err) {
              return fail(terminated(err));
            }
            settled = true;
            signal?.removeEventListener("abort", onAbort);
            const nullBody = status === 204 || status === 205 || status === 304 || init.method === "HEAD";
            resolve(
              new Response(nullBody ? null : data, {
                status,
                statusText: res.statusMessage ?? "",
                headers: toHeaders(res),
              }),
            );
          });
        },
      );
      const onAbort = () => {
        req.destroy();
        fail(abortError(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (err) => fail(Object.assign(new TypeError("fetch failed"), { cause: err })));
      req.end(payload);
    });
  };
  return nodeFetch as typeof fetch;
}

function toHeaders(res: IncomingMessage): Headers {
  const h = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    // The body is already decoded, so its encoding/length no longer describe it.
    if (name === "content-encoding" || name === "content-length") continue;
    h.append(raw[i]!, raw[i + 1]!);
  }
  return h;
}

function decode(data: Buffer, res: IncomingMessage): Buffer {
  const encoding = String(res.headers["content-encoding"] ?? "")
    .trim()
    .toLowerCase();
  if (encoding === "" || encoding === "identity") return data;
  if (encoding === "gzip" || encoding === "x-gzip") return gunzipSync(data);
  if (encoding === "deflate") return inflateSync(data);
  if (encoding === "br") return brotliDecompressSync(data);
  throw new Error(`unsupported content-encoding ${encoding}`);
}

/** What undici's fetch raises for a body cut off mid-transfer, so callers classify both the same way. */
function terminated(cause?: unknown): TypeError {
  const err = new TypeError("terminated", {
    cause: cause ?? Object.assign(new Error("other side closed"), { code: "ECONNRESET" }),
  });
  return err;
}

function abortError(signal: AbortSignal): unknown {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("This operation was aborted", "AbortError");
}
