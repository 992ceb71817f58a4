/**
 * The text utilities the checkers need, in one place: NLTK Punkt sentence splitting (English parameters),
 * `nltk.word_tokenize`, and Python langdetect 1.0.9 `detect` (seeded). Checkers import them only through this file.
 */
export { detectLanguage, LangDetectException } from "./text/langdetect/index.js";
export { splitSentences } from "./text/punkt.js";
export { wordTokenize } from "./text/word-tokenize.js";
