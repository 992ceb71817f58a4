import type { ChatRequest } from "./types.js";

/**
 * The exact JSON body sent to `POST {baseUrl}/chat/completions`. The cache key hashes this same object, so what is
 * cached is what was asked. Unset fields are omitted (not sent as null) so endpoints apply their own defaults.
 */
export function buildRequestBody(model: string, request: ChatRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...(request.extra_body ?? {}),
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.max_tokens !== undefined) body.max_tokens = request.max_tokens;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  return body;
}

const SECRET_QUERY_PARAM = /key|token|secret|sig|pass|auth|credential/i;

/**
 * The base URL as it may appear in identities, cache keys, logs and provenance: user:password removed, secret-looking
 * query parameters removed, no trailing slash.
 */
export function publicBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error("invalid base URL (expected e.g. http://127.0.0.1:8000/v1)");
  }
  url.username = "";
  url.password = "";
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_PARAM.test(name)) url.searchParams.delete(name);
  }
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
