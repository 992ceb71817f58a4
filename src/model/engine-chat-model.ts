import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";
import { checkVocabulary, encodePrompt } from "./chat-encoding.js";
import { createTextGenerator, type TextGenerator } from "./engine-loader.js";
import { loadModelFolder, type ModelFolder } from "./model-folder.js";

/**
 * The in-process engine as a `ChatModel` (docs/design.md, section 3: the second implementation beside the
 * OpenAI-compatible client), so every command that takes an endpoint can also run a local Hugging Face model folder:
 * the conversation is rendered with the model's own chat template (generation prompt added), decoded with a KV cache,
 * stopped at the model's EOS ids. Concurrent calls with the same sampling settings are gathered into one batch (up to
 * `batchSize`), because batched decoding is several times the throughput of one sequence at a time.
 */

export interface EngineChatModelOptions {
  /** Prompts decoded together at most (default 16). */
  batchSize?: number;
  /** Default `max_tokens` when a request has none (default 512). */
  maxNewTokens?: number;
  /** Use the float64 reference decoder (slow; for checking the engine). */
  reference?: boolean;
  /** Injected generator (tests). */
  generator?: TextGenerator;
}

interface Pending {
  ids: Int32Array;
  request: ChatRequest;
  resolve: (r: ChatResponse) => void;
  reject: (e: unknown) => void;
}

export class EngineChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  private readonly folder: ModelFolder;
  private generator: Promise<TextGenerator> | undefined;
  private queue: Pending[] = [];
  private running = false;

  constructor(
    readonly dir: string,
    private readonly options: EngineChatModelOptions = {},
  ) {
    this.folder = loadModelFolder(dir);
    this.model = dir;
    this.id = `engine:${dir}`;
  }

  chat(request: ChatRequest, _options?: ChatCallOptions): Promise<ChatResponse> {
    const ids = encodePrompt(this.folder, request.messages).ids;
    checkVocabulary(ids, this.folder.config.vocab_size, this.dir, undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ ids, request, resolve, reject });
      // Let the other calls issued in the same turn join the batch before decoding starts.
      if (!this.running) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        const same = (p: Pending) => samplingKey(p.request) === samplingKey(head.request);
        const batch = this.queue.filter(same).slice(0, this.options.batchSize ?? 16);
        this.queue = this.queue.filter((p) => !batch.includes(p));
        await this.decode(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async decode(batch: Pending[]): Promise<void> {
    const r = batch[0].request;
    const maxNew = r.max_tokens ?? this.options.maxNewTokens ?? 512;
    try {
      this.generator ??= this.options.generator
        ? Promise.resolve(this.options.generator)
        : createTextGenerator(this.folder.config, this.folder.checkpoint!.weights, this.options.reference === true);
      const out = await (await this.generator).generate(
        batch.map((p) => p.ids),
        {
          max_new_tokens: maxNew,
          temperature: r.temperature ?? 0,
          top_p: r.top_p ?? 1,
          seed: r.seed ?? 0,
          eos_token_ids: this.folder.eosTokenIds,
        },
      );
      batch.forEach((p, k) => {
        p.resolve({
          text: this.folder.tokenizer.decode(out[k], true),
          usage: { prompt_tokens: p.ids.length, completion_tokens: out[k].length },
          model: this.model,
          finish_reason: out[k].length >= maxNew ? "length" : "stop",
        });
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}

function samplingKey(r: ChatRequest): string {
  return JSON.stringify([r.temperature ?? 0, r.top_p ?? 1, r.seed ?? 0, r.max_tokens ?? null]);
}
