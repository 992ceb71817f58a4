import type { PreferencePair, SftExample } from "../data/formats/types.js";
import type { ChatMessage, IopoGroup } from "../data/schemas.js";
import { METHOD_SEQUENCES, type Method, type SeqName } from "./losses/index.js";
import { truncateExample } from "./truncation.js";

/** A prompt + response as model tokens: the response is ids[responseStart:]. */
export interface TokenSequence {
  ids: Int32Array;
  responseStart: number;
}

/** Chat encoding of one (prompt, response) (the model folder's chat template + tokenizer). */
export type SequenceEncoder = (prompt: ChatMessage[], response: string) => TokenSequence;

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
    if (name === "rejected") return { prompt: row.prompt, response: row.rejected };
    throw new Error(`a preference pair has no "${name}" sequence`);
  }
  if (name === "chosen") return { prompt: row.prompt, response: row.completion };
  throw new Error(`an SFT row has no "${name}" sequence`);
}

/**
 * The token sequences a method scores for one row, in METHOD_SEQUENCES order, all truncated with one budget
 * (LLaMA-Factory `infer_seqlen` on the longest prompt and the longest response: see truncation.ts). Sequences
 * that share a prompt keep identical prompt tokens, so the engine can still compute each prompt once.
 */
export function rowSequences(
  row: TrainRow,
  method: Method,
  encode: SequenceEncoder,
  maxLength: number,
): TokenSequence[] {
  const encoded = METHOD_SEQUENCES[method].map((name) => {
    const { prompt, response } = rowTexts(row, name);
    return encode(prompt, response);
  });
  const prompts = encoded.map((e) => [...e.ids.subarray(0, e.responseStart)]);
  const responses = encoded.map((e) => [...e.ids.subarray(e.responseStart)]);
  const t = truncateExample(prompts, responses, maxLength);
  return t.prompts.map((p, i) => ({ ids: Int32Array.from([...p, ...t.responses[i]]), responseStart: p.length }));
}
