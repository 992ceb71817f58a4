import { readFileSync } from "node:fs";
import { bundledDataPath } from "../../../../util/paths.js";

/** One language profile of langdetect: n-gram counts and the total count per gram length (1, 2, 3). */
export interface LanguageProfile {
  name: string;
  n_words: [number, number, number];
  freq: Record<string, number>;
}

/**
 * The detection model: the language list and, per n-gram, its relative frequency in each language
 * (`count / n_words[length - 1]`, zero where the language lacks it).
 */
export class LanguageModel {
  readonly languages: readonly string[];
  /** gram -> [language index, probability] pairs; expanded to a dense vector the first time a text uses it. */
  private readonly sparse = new Map<string, Array<[number, number]>>();
  private readonly dense = new Map<string, Float64Array>();

  constructor(profiles: readonly LanguageProfile[]) {
    if (profiles.length < 2) throw new Error("langdetect needs at least two language profiles");
    this.languages = profiles.map((p) => p.name);
    if (new Set(this.languages).size !== this.languages.length) throw new Error("duplicate language profile");
    profiles.forEach((profile, index) => {
      for (const [gram, count] of Object.entries(profile.freq)) {
        let entry = this.sparse.get(gram);
        if (!entry) {
          entry = [];
          this.sparse.set(gram, entry);
        }
        const length = [...gram].length;
        if (length >= 1 && length <= 3) entry.push([index, count / (profile.n_words[length - 1] as number)]);
      }
    });
  }

  has(gram: string): boolean {
    return this.sparse.has(gram);
  }

  /** Per-language probabilities of a known gram (shared vector; do not modify). */
  probabilities(gram: string): Float64Array {
    let vector = this.dense.get(gram);
    if (!vector) {
      const entry = this.sparse.get(gram);
      if (!entry) throw new Error(`unknown n-gram ${JSON.stringify(gram)}`);
      vector = new Float64Array(this.languages.length);
      for (const [index, p] of entry) vector[index] = p;
      this.dense.set(gram, vector);
    }
    return vector;
  }
}

let bundled: LanguageModel | undefined;

/** The 55 profiles of Python langdetect 1.0.9, bundled in data/langdetect/profiles.json (languages sorted by name). */
export function bundledLanguageModel(): LanguageModel {
  if (!bundled) {
    const file = bundledDataPath("langdetect", "profiles.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { profiles: LanguageProfile[] };
    bundled = new LanguageModel(data.profiles);
  }
  return bundled;
}
