/**
 * A small but real byte-level BPE tokenizer, trained deterministically on a built-in corpus and emitted as a
 * `tokenizer.json` that `@huggingface/tokenizers` (and the Python `tokenizers` library) load. Used by the tiny
 * random models every test runs on, so tokenization in tests goes through the same code path as a real model
 * (byte-level pre-tokenizer, BPE merges, added special tokens) - including merges across the prompt/response
 * boundary.
 */

/** GPT-2's reversible byte -> printable-unicode map used by byte-level BPE. */
export function bytesToUnicode(): string[] {
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return map;
}

/** GPT-2's pre-tokenization pattern (contractions, letters, numbers, other symbols, whitespace runs). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const CORPUS = `
You are a helpful assistant. Answer the question below in three sentences. The user asks the assistant a question,
and the assistant gives a short answer. Write a poem about the sea. Write a story about a cat who likes to read.
Please respond in JSON format. Do not use any commas in your response. The answer must contain a title wrapped in
double angular brackets. Include the keywords apple and river. Finish your response with "Is there anything else?"
Hello world! How are you today? I am fine, thank you. What is the capital of France? Paris is the capital.
List two reasons why the sky is blue. The first reason is light scattering; the second is the atmosphere.
Respond in all lowercase letters. Use at least 100 words. Highlight at least 2 sections with markdown.
system user assistant instruction input output response constraint format length style content
`;

export interface TinyTokenizerSpec {
  /** Special tokens appended after the BPE vocabulary, in this order. */
  specialTokens: string[];
  numMerges: number;
}

export const DEFAULT_SPECIAL_TOKENS = [
  "<|endoftext|>",
  "<|im_start|>",
  "<|im_end|>",
  "<|begin_of_text|>",
  "<|end_of_text|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|eot_id|>",
];

/** Train BPE merges on the built-in corpus: repeatedly merge the most frequent adjacent pair (ties by name). */
function trainMerges(numMerges: number, byteMap: string[]): [string, string][] {
  const counts = new Map<string, number>();
  const utf8 = new TextEncoder();
  for (const m of CORPUS.matchAll(GPT2_SPLIT)) {
    const word = [...utf8.encode(m[0])].map((b) => byteMap[b]).join("\u0000");
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  let words = [...counts].map(([w, c]) => ({ symbols: w.split("\u0000"), count: c }));
  const merges: [string, string][] = [];
  for (let step = 0; step < numMerges; step++) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, c] of pairs) {
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best === undefined) break;
    const [a, b] = best.split("\u0000") as [string, string];
    merges.push([a, b]);
    words = words.map(({ symbols, count }) => {
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(symbols[i]);
      }
      return { symbols: out, count };
    });
  }
  return merges;
}

/** Build the `tokenizer.json` object. Vocabulary: 256 byte symbols, then one entry per merge, then specials. */
export function buildTinyTokenizerJson(spec: Partial<TinyTokenizerSpec> = {}): {
  json: Record<string, unknown>;
  size: number;
  specialIds: Map<string, number>;
} {
  const specialTokens = spec.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const byteMap = bytesToUnicode();
  const merges = trainMerges(spec.numMerges ?? 200, byteMap);
  const vocab: Record<string, number> = {};
  byteMap.forEach((s, i) => {
    vocab[s] = i;
  });
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  let next = Object.keys(vocab).length;
  const specialIds = new Map<string, number>();
  const addedTokens = specialTokens.map((content) => {
    const id = next++;
    specialIds.set(content, id);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  return { json, size: next, specialIds };
}
