import { Tokenizer } from "@huggingface/tokenizers";

/**
 * A model's tokenizer: `tokenizer.json` + `tokenizer_config.json` through `@huggingface/tokenizers`, with the
 * special tokens resolved to strings and ids. Text rendered by a chat template is encoded WITHOUT the tokenizer's
 * own special tokens (as transformers' `apply_chat_template(tokenize=True)` does): the template already wrote BOS
 * where the model wants it, and letting the post-processor add it again would duplicate it.
 */
export class ModelTokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;
  readonly unkToken: string | null;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly tokenizerConfig: Record<string, unknown>,
  ) {
    this.bosToken = tokenString(tokenizerConfig.bos_token);
    this.eosToken = tokenString(tokenizerConfig.eos_token);
    this.padToken = tokenString(tokenizerConfig.pad_token);
    this.unkToken = tokenString(tokenizerConfig.unk_token);
  }

  static fromJson(tokenizerJson: object, tokenizerConfig: Record<string, unknown>): ModelTokenizer {
    return new ModelTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), tokenizerConfig);
  }

  /** Token ids of `text`; `addSpecialTokens` runs the tokenizer's post-processor (e.g. a BOS template). */
  encode(text: string, addSpecialTokens = false): number[] {
    if (text === "") return [];
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  /**
   * Text of `ids`. `clean_up_tokenization_spaces` follows tokenizer_config.json and is off when absent (recent
   * transformers' default; tokenizers.js would otherwise default it on and turn " ." into ".").
   */
  decode(ids: ArrayLike<number>, skipSpecialTokens = false): string {
    if (ids.length === 0) return "";
    return this.tokenizer.decode(Array.from(ids), {
      skip_special_tokens: skipSpecialTokens,
      clean_up_tokenization_spaces: this.tokenizerConfig.clean_up_tokenization_spaces === true,
    });
  }

  /** The vocabulary string of each id (for display). */
  pieces(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.tokenizer.id_to_token(id) ?? `<unk:${id}>`);
  }

  tokenId(token: string | null): number | undefined {
    return token === null ? undefined : this.tokenizer.token_to_id(token);
  }

  /** Number of ids the tokenizer can produce (vocabulary + added tokens). */
  get size(): number {
    let max = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) max = Math.max(max, id);
    return max + 1;
  }
}

/** tokenizer_config.json stores special tokens as a string or as a serialized AddedToken {content: ...}. */
function tokenString(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  return null;
}
