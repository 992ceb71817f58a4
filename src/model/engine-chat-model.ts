import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";
import { checkVocabulary, encodePrompt } from "./chat-encoding.js";
import {
  type ContextLimit,
  contextLimit,
  fitGeneration,
  type GenerationFit,
  type OverlongPolicy,
  type RowPlace,
} from "./context-fit.js";
import { createTextGenerator, type TextGenerator } from "./engine-loader.js";
import { loadModelFolder, type ModelFolder } from "./model-folder.js";
import { promptSuffixLength } from "./prompt-suffix.js";

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
  /** Token limit per call (prompt + generated); default and upper bound: the model's max_position_embeddings. */
  maxLength?: number;
  /**
   * A prompt over the limit: "truncate" (default; keep_start, the template's assistant header kept) or "error" (the
   * call fails with a DataError). Callers that can leave rows out check them first with `checkPrompts`.
   */
  onOverlong?: Exclude<OverlongPolicy, "skip">;
  /** Injected generator (tests). */
  generator?: TextGenerator;
}

interface Pending {
  ids: Int32Array;
  /** Most new tokens for this call (max_tokens, or less where the model's context ends first). */
  maxNew: number;
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

  /** The token limit of this model's calls. */
  get limit(): ContextLimit {
    return contextLimit(this.folder.config, this.options.maxLength);
  }

  /**
   * Check conversations against the model's context before generating (the same rule as each call applies), so a
   * caller can name, skip or refuse over-long rows up front. Throws a DataError with policy "error".
   */
  checkPrompts(
    rows: readonly { messages: ChatRequest["messages"]; place: RowPlace }[],
    maxNewTokens: number,
    policy: OverlongPolicy,
  ): GenerationFit {
    return fitGeneration(
      rows.map((r) => ({ ...this.encode(r.messages), place: r.place })),
      this.limit,
      maxNewTokens,
      policy,
    );
  }

  private encode(messages: ChatRequest["messages"]): { ids: Int32Array; suffix: () => number } {
    const prompt = encodePrompt(this.folder, messages);
    checkVocabulary(prompt.ids, this.folder.config.vocab_size, this.dir, undefined);
    return { ids: prompt.ids, suffix: () => promptSuffixLength(this.folder, messages, prompt.text, prompt.ids) };
  }

  chat(request: ChatRequest, _options?: ChatCallOptions): Promise<ChatResponse> {
    let fit: GenerationFit;
    try {
      const maxNew = request.max_tokens ?? this.options.maxNewTokens ?? 512;
      const place = { file: this.dir, line: undefined };
      fit = fitGeneration(
        [{ ...this.encode(request.messages), place }],
        this.limit,
        maxNew,
        this.options.onOverlong ?? "truncate",
      );
    } catch (err) {
      return Promise.reject(err);
    }
    const ids = fit.prompts[0]!;
    return new Promise((resolve, reject) => {
      this.queue.push({ ids, maxNew: fit.maxNewTokens[0], request, resolve, reject });
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
    const maxNew = Math.max(...batch.map((p) => p.maxNew));
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
        // A call whose context ends before max_tokens stops there (rows do not depend on their batch companions).
        const tokens = out[k].subarray(0, p.maxNew);
        p.resolve({
          text: this.folder.tokenizer.decode(tokens, true),
          usage: { prompt_tokens: p.ids.length, completion_tokens: tokens.length },
          model: this.model,
          finish_reason: tokens.length >= p.maxNew ? "length" : "stop",
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
