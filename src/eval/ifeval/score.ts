import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { ensureDir } from "../../util/path-error.js";
import type { MatchedResponse, Matching } from "./data.js";
import { type Accuracy, evaluateResponse, type PromptResult, summarize } from "./evaluate.js";
import { type BuildContext, DEFAULT_BUILD_CONTEXT } from "./instruction.js";
import { pyJsonDumps } from "./pyjson.js";

/** The deliberate deviations from the reference, recorded in metrics.json and printed by --help. */
export const DEVIATIONS: readonly string[] = [
  "keywords:letter_frequency with a letter that is not one a-z character (keys 1122 '#' and 1129 '!'): the literal " +
    "character is counted; the reference substitutes a random letter on every run.",
  "langdetect is seeded (--langdetect-seed, default 0); the reference leaves it unseeded, so its language verdicts " +
    "can vary between runs.",
];

export interface IfevalScores {
  strict: PromptResult[];
  loose: PromptResult[];
  metrics: IfevalMetrics;
}

export interface IfevalMetrics {
  prompt_level_strict_acc: number;
  inst_level_strict_acc: number;
  prompt_level_loose_acc: number;
  inst_level_loose_acc: number;
  num_responses: number;
  num_instructions: number;
  strict: Accuracy;
  loose: Accuracy;
  missing_responses: { key?: number; prompt: string }[];
  unmatched_responses: { line: number; key?: number; prompt?: string }[];
  duplicate_responses: { line: number; key?: number; prompt?: string }[];
  matched_by_key: number;
  langdetect_seed: number;
  deviations: readonly string[];
  /** Provenance, filled in by the command: the files scored and their sha256. */
  input_data?: { file: string; sha256: string };
  responses?: { file: string; sha256: string };
  /** When the responses were generated first: model, endpoint, settings and the LLM stack's counters. */
  generation?: Record<string, unknown>;
  /**
   * With --ids / --limit: which prompts were evaluated (`prompts` of `of`); responses to the other prompts were
   * left out (`responses_outside`), neither scored nor reported as unmatched.
   */
  selection?: { ids: number[] | null; limit: number | null; prompts: number; of: number; responses_outside: number };
}

/** Score every matched response in strict and loose mode, in input order. */
export function scoreResponses(
  matched: readonly MatchedResponse[],
  context: BuildContext = DEFAULT_BUILD_CONTEXT,
): { strict: PromptResult[]; loose: PromptResult[] } {
  return {
    strict: matched.map((m) => evaluateResponse(m.input, m.response, "strict", context)),
    loose: matched.map((m) => evaluateResponse(m.input, m.response, "loose", context)),
  };
}

/** The metrics of a run: the four standard numbers, per-id detail, and what could not be scored. */
export function buildMetrics(
  matching: Matching,
  strict: readonly PromptResult[],
  loose: readonly PromptResult[],
  context: BuildContext = DEFAULT_BUILD_CONTEXT,
): IfevalMetrics {
  const s = summarize(strict);
  const l = summarize(loose);
  const brief = (r: { line?: number; key?: number; prompt?: string }) => ({
    line: r.line ?? 0,
    key: r.key,
    prompt: r.prompt,
  });
  return {
    prompt_level_strict_acc: s.prompt_level.accuracy,
    inst_level_strict_acc: s.instruction_level.accuracy,
    prompt_level_loose_acc: l.prompt_level.accuracy,
    inst_level_loose_acc: l.instruction_level.accuracy,
    num_responses: strict.length,
    num_instructions: s.instruction_level.total,
    strict: s,
    loose: l,
    missing_responses: matching.missing.map((p) => ({ key: p.key, prompt: p.prompt })),
    unmatched_responses: matching.unmatched.map(brief),
    duplicate_responses: matching.duplicates.map(brief),
    matched_by_key: matching.matched.filter((m) => m.matchedBy === "key").length,
    langdetect_seed: context.langdetectSeed,
    deviations: DEVIATIONS,
  };
}

/** Result lines exactly as the reference writes them (Python `json.dumps`, one object per line). */
export function resultLines(results: readonly PromptResult[]): string {
  return results.map((r) => `${pyJsonDumps(r)}\n`).join("");
}

/** Write eval_results_strict.jsonl, eval_results_loose.jsonl and metrics.json into `dir`, each atomically. */
export function writeOutputs(dir: string, scores: IfevalScores): string[] {
  ensureDir(dir);
  const files = [
    [join(dir, "eval_results_strict.jsonl"), resultLines(scores.strict)],
    [join(dir, "eval_results_loose.jsonl"), resultLines(scores.loose)],
    [join(dir, "metrics.json"), `${JSON.stringify(scores.metrics, null, 2)}\n`],
  ] as const;
  for (const [file, text] of files) writeFileAtomic(file, text);
  return files.map(([f]) => f);
}
