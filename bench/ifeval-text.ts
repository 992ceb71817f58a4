/**
 * Throughput of the IFEval text utilities on the 541 GPT-4 conformance responses:
 * Punkt sentences/s, word_tokenize tokens/s and langdetect detections/s (seed 0).
 * Run: npx tsx bench/ifeval-text.ts
 */
import { join } from "node:path";
import { detectLanguage, LangDetectException } from "../src/eval/ifeval/text/langdetect/index.js";
import { splitSentences } from "../src/eval/ifeval/text/punkt.js";
import { wordTokenize } from "../src/eval/ifeval/text/word-tokenize.js";
import { readJsonlFile, sharedDataDir } from "../test/eval/ifeval/text/fixtures.js";

const texts = readJsonlFile<{ response: string }>(
  join(sharedDataDir(), "ifeval", "conformance", "gpt4_responses.jsonl"),
).map((r) => r.response);

function time<T>(label: string, unit: string, fn: (text: string) => T[], rounds = 3): void {
  fn(texts[0] as string); // warm-up (loads the model)
  let items = 0;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const text of texts) items += fn(text).length;
  const seconds = (performance.now() - start) / 1000;
  const perText = (seconds / (rounds * texts.length)) * 1000;
  console.log(
    `${label.padEnd(16)} ${(items / seconds).toFixed(0).padStart(9)} ${unit}/s  ${perText.toFixed(3)} ms/response`,
  );
}

console.log(`${texts.length} GPT-4 responses`);
time("punkt", "sentences", splitSentences);
time("word_tokenize", "tokens", wordTokenize);
// A response without letters raises LangDetectException (IFEval counts that as a pass); it is still one detection.
const detectOne = (text: string): string[] => {
  try {
    return [detectLanguage(text)];
  } catch (e) {
    if (e instanceof LangDetectException) return ["(no features)"];
    throw e;
  }
};
time("langdetect", "detections", detectOne);
