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

/**
 * IOPO groups whose two prompts x1 and x2 are the same tokens once encoded and truncated. Such a group trains
 * nothing on the input side: log p(y|x1) = log p(y|x2) exactly, so the x-preference terms cancel (with max_length
 * too small, truncation cuts away the constraints that made x2 differ from x1). Counted when the data is prepared,
 * reported at the start of training, in its summary and by `train --dry-run`.
 */
export interface IdenticalPromptStats {
  /** IOPO groups examined (0 for methods that do not read x2). */
  groups: number;
  /** Groups whose x1 and x2 prompt tokens are identical as the model sees them. */
  identical: number;
  /** Of those, groups where max_length made them identical (a prompt was cut); the others are identical in the data. */
  by_truncation: number;
  /** The first identical groups (at most 10), by `label` (default: the 0-based row index). */
  examples: string[];
}

const X1 = new Set<SeqName>(["chosen_v1", "rejected_v1"]);
const X2 = new Set<SeqName>(["chosen_v2", "rejected_v2"]);

/** Compare the x1 and x2 prompt tokens of each row's sequences (as `rowSequences` returns them for `method`). */
export function identicalPromptStats(
  sequencesByRow: readonly (readonly TokenSequence[])[],
  method: Method,
  label: (row: number) => string = (row) => `row ${row}`,
): IdenticalPromptStats {
  const names = METHOD_SEQUENCES[method];
  const i1 = names.findIndex((n) => X1.has(n));
  const i2 = names.findIndex((n) => X2.has(n));
  const stats: IdenticalPromptStats = { groups: 0, identical: 0, by_truncation: 0, examples: [] };
  if (i1 < 0 || i2 < 0) return stats;
  sequencesByRow.forEach((seqs, row) => {
    stats.groups++;
    const a = seqs[i1];
    const b = seqs[i2];
    const p1 = a.ids.subarray(0, a.responseStart);
    const p2 = b.ids.subarray(0, b.responseStart);
    if (p1.length !== p2.length || p1.some((t, k) => t !== p2[k])) return;
    stats.identical++;
    if (a.truncated?.prompt || b.truncated?.prompt) stats.by_truncation++;
    if (stats.examples.length < 10) stats.examples.push(label(row));
  });
  return stats;
}

/** One warning line for identical x1/x2 prompts, or undefined when there are none. */
export function identicalPromptWarning(s: IdenticalPromptStats, maxLength: number): string | undefined {
  if (s.identical === 0) return undefined;
  const cause =
    s.by_truncation === s.identical
      ? `max_length ${maxLength} cut away what made x2 differ from x1`
      : s.by_truncation > 0
        ? `${s.by_truncation} of them because max_length ${maxLength} cut away what made x2 differ from x1, the others are identical in the data`
        : "they are identical in the data";
  return (
    `warning: ${s.identical} of ${s.groups} IOPO groups have identical x1 and x2 prompt tokens (${cause}); ` +
    `their input-preference terms cancel exactly and train nothing (${s.examples.join(", ")}` +
    `${s.identical > s.examples.length ? ", ..." : ""}); raise max_length or check the data`
  );
}
