import OpenAI from "openai";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../llm/types.js";

export interface EndpointOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Retries of failed calls (429, 5xx, connection errors), with the SDK's exponential backoff. */
  maxRetries?: number;
  timeoutMs?: number;
}

/** A ChatModel over any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, llama.cpp, OpenAI...). */
export class EndpointChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  private readonly client: OpenAI;

  constructor(options: EndpointOptions) {
    this.model = options.model;
    this.id = `openai-compatible:${options.baseURL}#${options.model}`;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      // Local servers usually ignore the key, but the SDK requires one.
      apiKey: options.apiKey ?? "EMPTY",
      maxRetries: options.maxRetries ?? 4,
      timeout: options.timeoutMs ?? 600_000,
    });
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    const completion = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: request.messages,
        temperature: request.temperature,
        top_p: request.top_p,
        max_tokens: request.max_tokens,
        seed: request.seed,
        stop: request.stop,
      },
      { signal: options.signal },
    );
    const choice = completion.choices[0];
    if (!choice) throw new Error(`${this.id}: the server returned no choices`);
    return {
      text: choice.message?.content ?? "",
      usage: {
        prompt_tokens: completion.usage?.prompt_tokens ?? 0,
        completion_tokens: completion.usage?.completion_tokens ?? 0,
      },
      model: this.model,
      finish_reason: choice.finish_reason ?? undefined,
    };
  }
}
