import type { ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";

/**
 * INTERIM: a minimal OpenAI-compatible chat client (POST {baseUrl}/chat/completions) used by the evaluators'
 * CLI commands until the shared LLM layer (`src/llm/create-chat-model.ts`: cache, scheduler, budget) is on main.
 * It retries 408/429/5xx/network errors a few times with jittered backoff (honouring Retry-After) and never logs
 * the key.
 */
export interface InterimChatModelOptions {
  baseUrl: string;
  model: string;
  /** Read from the environment by the caller; never logged or stored. */
  apiKey?: string;
  maxRetries?: number;
  timeoutMs?: number;
}

export function createInterimChatModel(options: InterimChatModelOptions): ChatModel {
  const base = options.baseUrl.replace(/\/+$/, "");
  const maxRetries = options.maxRetries ?? 4;
  return {
    id: `openai-compatible:${base}#${options.model}`,
    model: options.model,
    async chat(request: ChatRequest, callOptions): Promise<ChatResponse> {
      let lastError: unknown;
      let retryAfterMs = 0;
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        if (attempt > 0) {
          const backoff = Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
          await new Promise((r) => setTimeout(r, Math.max(backoff, Math.min(retryAfterMs, 60_000))));
        }
        try {
          const res = await fetch(`${base}/chat/completions`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            },
            body: JSON.stringify({ model: options.model, ...request }),
            signal: callOptions?.signal ?? AbortSignal.timeout(options.timeoutMs ?? 600_000),
          });
          if (res.status === 429 || res.status === 408 || res.status >= 500) {
            lastError = new Error(`HTTP ${res.status} from ${base}`);
            const ra = Number(res.headers.get("retry-after"));
            retryAfterMs = Number.isFinite(ra) && ra > 0 ? ra * 1000 : 0;
            await res.body?.cancel();
            continue;
          }
          if (!res.ok) throw new Error(`HTTP ${res.status} from ${base}: ${(await res.text()).slice(0, 500)}`);
          const body = (await res.json()) as {
            choices?: { message?: { content?: string | null }; finish_reason?: string }[];
            usage?: { prompt_tokens?: number; completion_tokens?: number };
            model?: string;
          };
          const choice = body.choices?.[0];
          return {
            text: choice?.message?.content ?? "",
            usage: {
              prompt_tokens: body.usage?.prompt_tokens ?? 0,
              completion_tokens: body.usage?.completion_tokens ?? 0,
            },
            model: options.model,
            finish_reason: choice?.finish_reason,
          };
        } catch (err) {
          if (err instanceof Error && err.message.startsWith("HTTP 4")) throw err;
          lastError = err;
        }
      }
      throw new Error(`chat request failed after ${maxRetries + 1} attempts: ${String(lastError)}`);
    },
  };
}
