import type { PreferencePair, SftExample } from "../data/formats/types.js";
import type { ChatMessage, IopoGroup } from "../data/schemas.js";
import { METHOD_SEQUENCES, type Method, type SeqName } from "./losses/index.js";
import { type TruncationMode, truncateExample } from "./truncation.js";

/** A prompt + response as model tokens: the response is ids[responseStart:]. */
export interface TokenSequence {
  ids: Int32Array;
  responseStart: number;
  /** Set by rowSequences when max_length cut this sequence's prompt and/or response. */
  truncated?: { prompt: boolean; response: boolean };
}

/** An encoded (prompt, response), before truncation. */
export interface EncodedSequence extends TokenSequence {
  /**
   * How many of the prompt's last tokens the chat template writes after the last message's content (the
   * end-of-turn and the assistant header: src/model/prompt-suffix.ts). Called only for prompts that are cut.
   */
  promptSuffix?: () => number;
}

/** Chat encoding of one (prompt, response) (the model folder's chat template + tokenizer). */
export type SequenceEncoder = (prompt: ChatMessage[], response: string) => EncodedSequence;

export type TrainRow = IopoGroup | PreferencePair | SftExample;

/** The (prompt, response) of each named sequence of a row (official IOPO naming for groups). */
export function rowTexts(row: TrainRow, name: SeqName): { prompt: ChatMessage[]; response: string } {
  if ("x1" in row) {
    switch (name) {
      case "chosen_v1":
        return { prompt: row.x1.messages, response: row.y1 };
      case "rejected_v1":
        return { prompt: row.x1.messages, response: row.y2 };
      case "chosen_v2":
        return { prompt: row.x2.messages, response: row.y2 };
      case "rejected_v2":
        return { prompt: row.x2.messages, response: row.y1 };
      default:
        throw new Error(`an IOPO group has no "${name}" sequence`);
    }
  }
  if ("chosen" in row) {
    if (name === "chosen") return { prompt: row.prompt, response: row.chosen };
    if (name === "rejected") return { prompt: row.rejected_prompt ?? row.prompt, response: row.rejected };
    throw new Error(`a preference pair has no "${name}" sequence`);
  }
  if (name === "chosen") return { prompt: row.prompt, response: row.completion };
  throw new Error(`an SFT row has no "${name}" sequence`);
}

/**
 * The token sequences a method scores for one row, in METHOD_SEQUENCES order, all truncated with one budget
 * (LLaMA-Factory `infer_seqlen` on the longest prompt and the longest response: see truncation.ts). A cut prompt
 * keeps its template suffix (keep_start) or its last tokens (keep_end). Sequences that share a prompt keep
 * identical prompt tokens, so the engine can still compute each prompt once.
 */
export function rowSequences(
  row: TrainRow,
  method: Method,
  encode: SequenceEncoder,
  maxLength: number,
  mode: TruncationMode = "keep_start",
): TokenSequence[] {
  const encoded = METHOD_SEQUENCES[method].map((name) => {
    const { prompt, response } = rowTexts(row, name);
    return encode(prompt, response);
  });
  const prompts = encoded.map((e) => [...e.ids.subarray(0, e.responseStart)]);
  const responses = encoded.map((e) => [...e.ids.subarray(e.responseStart)]);
  const t = truncateExample(prompts, responses, maxLength, {
    mode,
    promptSuffix: (i) => encoded[i].promptSuffix?.() ?? 0,
  });
  return t.prompts.map((p, i) => {
    const seq: TokenSequence = { ids: Int32Array.from([...p, ...t.responses[i]]), responseStart: p.length };
    const prompt = prompts[i].length > t.promptLen;
    const response = responses[i].length > t.responseLen;
    if (prompt || response) seq.truncated = { prompt, response };
    return seq;
  });
}

/** What max_length did to a dataset: examples with any sequence cut, and how many prompts / responses. */
export interface TruncationStats {
  examples: number;
  truncated: number;
  prompts: number;
  responses: number;
}

export function truncationStats(sequencesByRow: Iterable<readonly TokenSequence[]>): TruncationStats {
  const s: TruncationStats = { examples: 0, truncated: 0, prompts: 0, responses: 0 };
  for (const seqs of sequencesByRow) {
    s.examples++;
    if (seqs.some((q) => q.truncated)) s.truncated++;
    s.prompts += seqs.filter((q) => q.truncated?.prompt).length;
    s.responses += seqs.filter((q) => q.truncated?.response).length;
  }
  return s;
}
