import { existsSync } from "node:fs";
import { JsonlJournal, readJournal } from "../data/jsonl.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";
import { canonicalJson, sha256 } from "../util/hash.js";

interface JournalRow {
  key: string;
  response: ChatResponse;
}

/**
 * A ChatModel wrapper that appends every answered request to a JSONL journal (fsynced line by line) and answers
 * repeated requests from it. It makes an interrupted evaluation resumable in its own output folder, and a
 * finished one re-runnable with zero calls, independently of (and in addition to) the LLM layer's SQLite cache.
 * The key is the model id, the full request body and the template hash, as in the shared cache.
 */
export class JournaledChatModel implements ChatModel {
  private readonly memo = new Map<string, ChatResponse>();
  private journal: JsonlJournal | undefined;
  /** Calls that reached the wrapped model (not answered from the journal). */
  calls = 0;
  /** Tokens of those calls, as the wrapped model reported them. */
  readonly usage = { prompt_tokens: 0, completion_tokens: 0 };

  constructor(
    private readonly inner: ChatModel,
    private readonly file: string,
  ) {
    if (existsSync(file)) for (const row of readJournal<JournalRow>(file)) this.memo.set(row.key, row.response);
  }

  get id(): string {
    return this.inner.id;
  }
  get model(): string {
    return this.inner.model;
  }

  static key(modelId: string, request: ChatRequest, templateHash?: string): string {
    return sha256(canonicalJson({ model: modelId, request, template: templateHash ?? null }));
  }

  async chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
    const key = JournaledChatModel.key(this.inner.id, request, options?.templateHash);
    const hit = this.memo.get(key);
    if (hit) return { ...hit, cached: true };
    this.calls++;
    const response = await this.inner.chat(request, options);
    this.usage.prompt_tokens += response.usage.prompt_tokens;
    this.usage.completion_tokens += response.usage.completion_tokens;
    this.memo.set(key, response);
    this.journal ??= new JsonlJournal(this.file);
    this.journal.append({ key, response } satisfies JournalRow);
    return response;
  }

  close(): void {
    this.journal?.close();
    this.journal = undefined;
  }
}
