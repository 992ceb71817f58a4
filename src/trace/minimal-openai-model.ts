import OpenAI from "openai";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";

/**
 * Stop-gap OpenAI-compatible ChatModel used by `iopo trace` until the shared LLM layer (src/llm/: cache,
 * scheduler, budget) is wired in: the SDK's own retries (exponential backoff, Retry-After, 429/5xx/timeouts)
 * and nothing else. The API key is passed to the SDK only; it never enters ids, logs or outputs.
 */
export class MinimalOpenAIChatModel implements ChatModel {
  readonly id: string;
  private readonly client: OpenAI;
  constructor(
    readonly baseUrl: string,
    readonly model: string,
    apiKey: string | undefined,
    options: { maxRetries?: number; timeoutMs?: number } = {},
  ) {
    this.id = `openai-compatible:${baseUrl.replace(/\/\/[^@/]*@/, "//")}#${model}`;
    this.client = new OpenAI({
      baseURL: baseUrl,
      apiKey: apiKey || "EMPTY",
      maxRetries: options.maxRetries ?? 8,
      timeout: options.timeoutMs ?? 120_000,
    });
  }

  async chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
    const { messages, ...params } = request;
    const res = await this.client.chat.completions.create(
      { model: this.model, messages, ...params, stream: false },
      { signal: options?.signal },
    );
    const choice = res.choices?.[0];
    const text = choice?.message?.content;
    if (typeof text !== "string" || text === "") throw new Error("empty or malformed chat completion");
    return {
      text,
      usage: {
        prompt_tokens: res.usage?.prompt_tokens ?? 0,
        completion_tokens: res.usage?.completion_tokens ?? 0,
      },
      model: this.model,
      finish_reason: choice?.finish_reason ?? undefined,
    };
  }
}
