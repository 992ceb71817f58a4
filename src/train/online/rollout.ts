import type { ChatCodec } from "../../model/chat-encoding.js";
import { checkVocabulary, encodePrompt } from "../../model/chat-encoding.js";
import type { GenerateOptions, GenerateResult } from "../../model/generate.js";
import { promptSuffixLength } from "../../model/prompt-suffix.js";
import { mixSeeds } from "../../util/random.js";
import { cutPrompt, type TruncationMode } from "../truncation.js";
import type { PromptRow } from "./prompts.js";

/**
 * Rollouts: completions sampled from the policy with the KV-cache decode graph (src/model/generate.ts), batched.
 * A completion's scored tokens are the sampled ids plus the EOS that ended it (TRL's completion mask includes the
 * EOS); a completion that reached max_completion_length without one is `truncated`.
 */
export interface EncodedPrompt {
  row: PromptRow;
  ids: Int32Array;
  /** max_length cut the prompt */
  cut: boolean;
}

export interface Completion {
  prompt: EncodedPrompt;
  /** sampled ids, then the EOS that ended the completion (absent when truncated) */
  ids: Int32Array;
  /** decoded text without special tokens (what reward functions read) */
  text: string;
  truncated: boolean;
}

/**
 * Encode prompts with the chat template (add_generation_prompt) and cut those longer than `maxPromptTokens` the
 * way the preference trainers cut prompts (`truncation_mode`: keep_start keeps the template's assistant header).
 */
export function encodePrompts(
  codec: ChatCodec,
  rows: readonly PromptRow[],
  maxPromptTokens: number,
  mode: TruncationMode,
  vocabSize: number,
): EncodedPrompt[] {
  return rows.map((row) => {
    const { text, ids } = encodePrompt(codec, row.prompt);
    checkVocabulary(ids, vocabSize, row.source.file, row.source.line);
    if (ids.length <= maxPromptTokens) return { row, ids, cut: false };
    const suffix = mode === "keep_start" ? promptSuffixLength(codec, row.prompt, text, ids) : 0;
    return { row, ids: Int32Array.from(cutPrompt([...ids], maxPromptTokens, suffix, mode)), cut: true };
  });
}

export interface Sampler {
  generateDetailed(prompts: Int32Array[], options: GenerateOptions): Promise<GenerateResult>;
}

export interface SampleOptions {
  /** completions per prompt (GRPO's num_generations; 1 for PPO) */
  perPrompt: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  /** the rollout's seed (derived from the run seed and the step, so a resumed run samples the same) */
  seed: number;
  eosTokenIds: number[];
  /** rows per decode batch (default 64) */
  batchRows?: number;
  decode: (ids: Int32Array) => string;
}

/** `perPrompt` completions of every prompt, consecutive per prompt, sampled in batches of rows. */
export async function sampleCompletions(
  sampler: Sampler,
  prompts: readonly EncodedPrompt[],
  o: SampleOptions,
): Promise<Completion[]> {
  const rows = prompts.flatMap((p) => Array.from({ length: o.perPrompt }, () => p));
  const size = o.batchRows ?? 64;
  const out: Completion[] = [];
  for (let start = 0, chunk = 0; start < rows.length; start += size, chunk++) {
    const batch = rows.slice(start, start + size);
    const r = await sampler.generateDetailed(
      batch.map((p) => p.ids),
      {
        max_new_tokens: o.maxNewTokens,
        temperature: o.temperature,
        top_p: o.topP,
        seed: mixSeeds(o.seed, chunk),
        eos_token_ids: o.eosTokenIds,
      },
    );
    batch.forEach((p, k) => {
      const tokens = r.tokens[k]!;
      const stop = r.stops[k];
      out.push({
        prompt: p,
        ids: stop === undefined ? tokens : Int32Array.from([...tokens, stop]),
        text: o.decode(tokens),
        truncated: stop === undefined,
      });
    });
  }
  return out;
}

/** The training sequence of a completion: prompt ids then completion ids (its scored tokens). */
export function completionSequence(c: Completion): { ids: Int32Array; responseStart: number } {
  const ids = new Int32Array(c.prompt.ids.length + c.ids.length);
  ids.set(c.prompt.ids, 0);
  ids.set(c.ids, c.prompt.ids.length);
  return { ids, responseStart: c.prompt.ids.length };
}
