/**
 * The text utilities the checkers need: NLTK Punkt sentence splitting, nltk.word_tokenize, and langdetect 1.0.9.
 * They live in ./text/ (written separately); checkers import them only through this file.
 *
 * TEMPORARY until ./text/ lands on main: these placeholders throw, so checkers that need them cannot give a verdict.
 */
export class LangDetectException extends Error {}

class TextUtilityMissing extends Error {}

export function splitSentences(_text: string): string[] {
  throw new TextUtilityMissing("splitSentences (./text/punkt.ts) has not landed yet");
}

export function wordTokenize(_text: string): string[] {
  throw new TextUtilityMissing("wordTokenize (./text/word-tokenize.ts) has not landed yet");
}

export function detectLanguage(_text: string, _seed = 0): string {
  throw new TextUtilityMissing("detectLanguage (./text/langdetect/index.ts) has not landed yet");
}
