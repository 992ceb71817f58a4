/**
 * The tokenizer, chat template and generation files a model folder carries beside its config and weights (copied
 * into every saved model folder and checkpoint). A module of its own, without imports, so that code which only
 * needs the names (the trainer's output_dir check) does not load the tokenizer and template libraries.
 */
export const TOKENIZER_FILES: readonly string[] = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
  "generation_config.json",
  "vocab.json",
  "merges.txt",
  "added_tokens.json",
];
