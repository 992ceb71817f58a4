import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "./types.js";

export interface DryRunRecord {
  request: ChatRequest;
  stage?: string;
  templateHash?: string;
  sample?: number;
}

/**
 * `--dry-run`: renders nothing itself, but records every request the pipeline would send and answers each with an
 * empty reply marked `dry_run: true` (finish_reason "dry_run"). It never touches the network or the cache, so a dry
 * run costs nothing and leaves no trace in later real runs.
 */
export class DryRunChatModel implements ChatModel {
  readonly id: string;
  readonly requests: DryRunRecord[] = [];

  constructor(readonly model: string) {
    this.id = `dry-run#${model}`;
  }

  async chat(request: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    if (options.signal?.aborted) throw options.signal.reason;
    this.requests.push({
      request: structuredClone(request),
      ...(options.stage !== undefined ? { stage: options.stage } : {}),
      ...(options.templateHash !== undefined ? { templateHash: options.templateHash } : {}),
      ...(options.sample !== undefined ? { sample: options.sample } : {}),
    });
    return {
      text: "",
      usage: { prompt_tokens: 0, completion_tokens: 0 },
      model: this.model,
      finish_reason: "dry_run",
      cached: false,
      dry_run: true,
    };
  }
}
