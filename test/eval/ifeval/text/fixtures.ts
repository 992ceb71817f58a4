import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledDataPath, packageRoot } from "../../../../src/util/paths.js";

/** Fixture helpers: reference outputs recorded by the dev-only scripts in test/fixtures/ifeval/generate/. */
export const FIXTURES = join(packageRoot, "test", "fixtures", "ifeval");

/** The IFEval conformance set (GPT-4 responses with the reference's verdicts), see its README. */
export const CONFORMANCE_VERDICTS = join(FIXTURES, "conformance", "gpt4_verdicts.jsonl");

export function readJsonlFile<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

export interface FixtureRecord {
  source: string;
  index: number;
  text?: string;
}

let sourceTexts: Map<string, string[]> | undefined;

/**
 * The input text of a fixture record: inline, or (to keep fixtures small) the `index`-th GPT-4 response of the
 * conformance set or the `index`-th IFEval prompt (bundled in data/ifeval).
 */
export function fixtureText(rec: FixtureRecord): string {
  if (rec.text !== undefined) return rec.text;
  sourceTexts ??= new Map([
    ["gpt4_response", readJsonlFile<{ response: string }>(CONFORMANCE_VERDICTS).map((r) => r.response)],
    [
      "ifeval_prompt",
      readJsonlFile<{ prompt: string }>(bundledDataPath("ifeval", "input_data.jsonl")).map((r) => r.prompt),
    ],
  ]);
  const text = sourceTexts.get(rec.source)?.[rec.index];
  if (text === undefined) throw new Error(`no source text for ${rec.source}#${rec.index}`);
  return text;
}
