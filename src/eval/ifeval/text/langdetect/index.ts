/**
 * Language identification with the semantics of Python langdetect 1.0.9 `detect(text)` (55 languages), made
 * deterministic: the reference re-seeds its random stream with `DetectorFactory.seed` on every call and leaves it
 * unset (so its results vary between runs); here the seed is a parameter, 0 by default, and with the same seed the
 * result equals Python's.
 */
import { LangDetectException, type LanguageProbability, languageProbabilities } from "./detector.js";
import { bundledLanguageModel } from "./profiles.js";

export { LangDetectException, type LanguageProbability };

/** `langdetect.detect(text)` with `DetectorFactory.seed = seed`: the most probable language code, or "unknown". */
export function detectLanguage(text: string, seed = 0): string {
  return detectLanguageProbabilities(text, seed)[0]?.lang ?? "unknown";
}

/** `langdetect.detect_langs(text)` with `DetectorFactory.seed = seed`: languages above 0.1, most probable first. */
export function detectLanguageProbabilities(text: string, seed = 0): LanguageProbability[] {
  return languageProbabilities(bundledLanguageModel(), text, { seed });
}
