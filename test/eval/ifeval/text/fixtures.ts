import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledDataPath, packageRoot } from "../../../../src/util/paths.js";

/** Fixture helpers: reference outputs recorded by the dev-only scripts in test/fixtures/ifeval/generate/. */
export const FIXTURES = join(packageRoot, "test", "fixtures", "ifeval");

/** The shared benchmark data: `../shared` next to the repository (or next to the worktrees' folder). */
export function sharedDataDir(): string {
  const candidates = [join(packageRoot, "..", "shared", "data"), join(packageRoot, "..", "..", "shared", "data")];
  const found = candidates.find((dir) => existsSync(join(dir, "ifeval", "conformance", "gpt4_responses.jsonl")));
  if (!found) throw new Error(`shared data not found (looked in ${candidates.join(", ")})`);
  return found;
}

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

let sharedTexts: Map<string, string[]> | undefined;

/**
 * The input text of a fixture record: inline, or (to keep fixtures small) the `index`-th GPT-4 response of the shared
 * conformance set or the `index`-th IFEval prompt (bundled in data/ifeval).
 */
export function fixtureText(rec: FixtureRecord): string {
  if (rec.text !== undefined) return rec.text;
  sharedTexts ??= new Map([
    [
      "gpt4_response",
      readJsonlFile<{ response: string }>(join(sharedDataDir(), "ifeval", "conformance", "gpt4_responses.jsonl")).map(
        (r) => r.response,
      ),
    ],
    [
      "ifeval_prompt",
      readJsonlFile<{ prompt: string }>(bundledDataPath("ifeval", "input_data.jsonl")).map((r) => r.prompt),
    ],
  ]);
  const text = sharedTexts.get(rec.source)?.[rec.index];
  if (text === undefined) throw new Error(`no shared text for ${rec.source}#${rec.index}`);
  return text;
}
