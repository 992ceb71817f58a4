/**
 * The language detector of Shuyo's language-detection (Nakatani 2010) as Python langdetect 1.0.9 runs it.
 *
 * 1. Clean-up: URLs and e-mail addresses become spaces, Vietnamese letter + mark pairs are precomposed, runs of
 *    spaces collapse, and only the first 10,000 characters are kept. When non-Latin characters (anything from
 *    U+0300 on) outnumber twice the ASCII-range letters `A`..`z`, those Latin characters are dropped.
 * 2. Features: the 1-3-grams of the normalised text that some profile knows (see ngram.ts).
 * 3. Scoring, 7 trials from one seeded random stream: each trial starts from uniform language probabilities, draws a
 *    smoothing `alpha = 0.5 + N(0,1) * 0.05`, then repeatedly picks a random feature and multiplies every
 *    language's probability by `alpha / 10000 + P(feature | language)`, renormalising every 5th step and stopping
 *    once one language exceeds 0.99999 (or after step 1000). The trials are averaged.
 * 4. Languages above 0.1 are reported, most probable first.
 * A text without features is an error (LangDetectException).
 */
import { PythonRandom } from "../python-random.js";
import { extractNgrams, normalizeVi } from "./ngram.js";
import type { LanguageModel } from "./profiles.js";

/** Raised, like langdetect's, when a text has no usable features. */
export class LangDetectException extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LangDetectException";
  }
}

export interface LanguageProbability {
  lang: string;
  prob: number;
}

export interface DetectorOptions {
  /** Seed of the random stream (langdetect's `DetectorFactory.seed`). */
  seed: number;
  alpha?: number;
  trials?: number;
  maxTextLength?: number;
}

const ALPHA_WIDTH = 0.05;
const ITERATION_LIMIT = 1000;
const PROB_THRESHOLD = 0.1;
const CONV_THRESHOLD = 0.99999;
const BASE_FREQ = 10000;

const URL_RE = /https?:\/\/[-_.?&~;+=/#0-9A-Za-z]{1,2076}/g;
const MAIL_RE = /[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}/g;

/** Step 1: the text the detector works on, as code points. */
export function cleanText(text: string, maxTextLength = 10000): string[] {
  // The substring checks only skip regex scans that cannot match (the mail pattern is slow on long texts).
  let replaced = text.includes("http") ? text.replace(URL_RE, " ") : text;
  if (replaced.includes("@")) replaced = replaced.replace(MAIL_RE, " ");
  replaced = normalizeVi(replaced);
  const chars: string[] = [];
  let previous = "";
  let count = 0;
  for (const ch of replaced) {
    if (count++ >= maxTextLength) break;
    if (ch !== " " || previous !== " ") chars.push(ch);
    previous = ch;
  }
  let latin = 0;
  let nonLatin = 0;
  for (const ch of chars) {
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0x41 && cp <= 0x7a) latin++;
    // langdetect means to exempt Latin Extended Additional here, but its check never matches, so it counts too.
    else if (cp >= 0x300) nonLatin++;
  }
  if (latin * 2 >= nonLatin) return chars;
  return chars.filter((ch) => {
    const cp = ch.codePointAt(0) as number;
    return cp < 0x41 || cp > 0x7a;
  });
}

/** Steps 2-4: language probabilities above 0.1, most probable first. */
export function languageProbabilities(
  model: LanguageModel,
  text: string,
  options: DetectorOptions,
): LanguageProbability[] {
  const alphaBase = options.alpha ?? 0.5;
  const trials = options.trials ?? 7;
  const features = extractNgrams(cleanText(text, options.maxTextLength), (gram) => model.has(gram)).map((gram) =>
    model.probabilities(gram),
  );
  if (features.length === 0) throw new LangDetectException("No features in text.");

  const nLangs = model.languages.length;
  const average = new Float64Array(nLangs);
  const rng = new PythonRandom(options.seed);
  const prob = new Float64Array(nLangs);
  for (let t = 0; t < trials; t++) {
    prob.fill(1.0 / nLangs);
    const alpha = alphaBase + rng.gauss(0.0, 1.0) * ALPHA_WIDTH;
    const weight = alpha / BASE_FREQ;
    for (let i = 0; ; i++) {
      const p = rng.choice(features);
      for (let j = 0; j < nLangs; j++) prob[j] = (prob[j] as number) * (weight + (p[j] as number));
      if (i % 5 === 0 && (normalize(prob) > CONV_THRESHOLD || i >= ITERATION_LIMIT)) break;
    }
    for (let j = 0; j < nLangs; j++) average[j] = (average[j] as number) + (prob[j] as number) / trials;
  }
  const result: LanguageProbability[] = [];
  model.languages.forEach((lang, j) => {
    const p = average[j] as number;
    if (p > PROB_THRESHOLD) result.push({ lang, prob: p });
  });
  // Stable: equal probabilities keep the profile order, as Python's sort does.
  return result.sort((a, b) => b.prob - a.prob);
}

/** Divide by the sum (added left to right) and return the largest probability. */
function normalize(prob: Float64Array): number {
  let sum = 0;
  for (const p of prob) sum += p;
  let max = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = (prob[i] as number) / sum;
    if (max < p) max = p;
    prob[i] = p;
  }
  return max;
}
