import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../src/llm/types.js";

/**
 * In-process ChatModel for unit tests: answers with `reply(request)` (a string, or an Error to throw), after an
 * optional per-call delay so completions arrive out of order. Records every request it received.
 */
export class ScriptedChatModel implements ChatModel {
  readonly id: string;
  readonly calls: ChatRequest[] = [];
  /** Requests that were answered (returned a response), in completion order. */
  readonly completed: ChatRequest[] = [];
  constructor(
    private readonly reply: (req: ChatRequest, callIndex: number) => string | Error,
    readonly model = "scripted",
    private readonly delayMs: (req: ChatRequest, callIndex: number) => number = () => 0,
  ) {
    this.id = `scripted#${model}`;
  }

  async chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
    const index = this.calls.length;
    this.calls.push(request);
    const delay = this.delayMs(request, index);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (options?.signal?.aborted) throw new Error("aborted");
    const out = this.reply(request, index);
    if (out instanceof Error) throw out;
    this.completed.push(request);
    const promptChars = request.messages.reduce((a, m) => a + m.content.length, 0);
    return {
      text: out,
      usage: { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(out.length / 4) },
      model: this.model,
    };
  }
}
