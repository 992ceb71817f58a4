import type { TinyTokenizer } from "../model/tiny-model.js";
import { worldLexicon } from "./lexicon.js";

/**
 * The word-level tokenizer of the tiny model trained on the world (docs/design.md section 6), as a `tokenizer.json`
 * that `@huggingface/tokenizers` and Python's `tokenizers` load: a WordLevel vocabulary of the world's closed
 * lexicon, each entry also with a leading space (" apple"), plus newline, space, the words chat templates write and
 * the ChatML special tokens. A Split pre-tokenizer cuts text into exactly those pieces and the Fuse decoder joins
 * them back, so decode(encode(text)) == text for every world instruction and response (tested), and a word costs one
 * token - which keeps sequences short enough to train many models on two CPU cores.
 */

/** ChatML specials (Qwen2's names) and the unknown token, appended after the word pieces in this order. */
export const WORLD_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"] as const;

/** Letters runs, single digits and single other characters, each with an optional leading space; newlines; spaces. */
export const WORLD_SPLIT_PATTERN = " ?[A-Za-z]+| ?\\d| ?[^\\sA-Za-z\\d]|\\n| ";

/** Words the chat template writes around the turns (role names), beside the lexicon. */
const TEMPLATE_WORDS = ["system", "user", "assistant"];

export function buildWorldTokenizer(): TinyTokenizer {
  const pieces = new Set<string>(["\n", " "]);
  for (const t of [...worldLexicon(), ...TEMPLATE_WORDS]) {
    pieces.add(t);
    pieces.add(` ${t}`);
  }
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const p of [...pieces].sort()) vocab[p] = next++;
  const specialIds = new Map<string, number>();
  const addedTokens = WORLD_SPECIAL_TOKENS.map((content) => {
    const id = next++;
    vocab[content] = id;
    specialIds.set(content, id);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: "Split", pattern: { Regex: WORLD_SPLIT_PATTERN }, behavior: "Isolated", invert: false },
    post_processor: null,
    decoder: { type: "Fuse" },
    model: { type: "WordLevel", vocab, unk_token: "<unk>" },
  };
  return { json, size: next, specialIds };
}
