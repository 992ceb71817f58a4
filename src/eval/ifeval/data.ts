import { z } from "zod";
import { DataError } from "../../data/errors.js";
import { readJsonl, validate } from "../../data/jsonl.js";
import { bundledDataPath } from "../../util/paths.js";
import { withResponseField } from "../response-field.js";
import type { IfevalPrompt } from "./evaluate.js";
import { KwargsError } from "./kwargs.js";
import { buildInstruction, INSTRUCTION_REGISTRY } from "./registry.js";

/** The 541 public IFEval prompts, bundled with the package (Apache-2.0, see data/ifeval/LICENSE). */
export const BUNDLED_INPUT_DATA = bundledDataPath("ifeval", "input_data.jsonl");

const KwargsListSchema = z.array(z.record(z.string(), z.unknown()));

const PromptRowSchema = z.looseObject({
  key: z.number().int().optional(),
  prompt: z.string(),
  instruction_id_list: z.array(z.string()).min(1),
  kwargs: KwargsListSchema,
});

const ResponseRowSchema = z.looseObject({
  key: z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).optional(),
  prompt: z.string().optional(),
  response: z.string(),
  instruction_id_list: z.array(z.string()).min(1).optional(),
  kwargs: KwargsListSchema.optional(),
});

/** A prompt together with where it was read from (for error messages). */
export interface LocatedPrompt extends IfevalPrompt {
  file: string;
  line: number;
}

/**
 * Check that every instruction of a prompt can be built: known id, kwargs list aligned with the ids, kwargs valid.
 * Doing it while reading turns a bad kwarg into a file:line:field error before anything is scored or written.
 */
function checkInstructions(p: IfevalPrompt, file: string, line: number): void {
  if (p.kwargs.length !== p.instruction_id_list.length)
    throw new DataError(
      file,
      line,
      "kwargs",
      `has ${p.kwargs.length} entries but instruction_id_list has ${p.instruction_id_list.length}`,
    );
  p.instruction_id_list.forEach((id, i) => {
    if (!INSTRUCTION_REGISTRY.has(id))
      throw new DataError(file, line, `instruction_id_list.${i}`, `unknown instruction id ${JSON.stringify(id)}`);
    try {
      buildInstruction(id, p.kwargs[i]);
    } catch (err) {
      if (err instanceof KwargsError) throw new DataError(file, line, `kwargs.${i}.${err.field}`, err.message);
      throw new DataError(file, line, `kwargs.${i}`, `${id}: ${(err as Error).message}`);
    }
  });
}

/** Read IFEval prompts (`{key, prompt, instruction_id_list, kwargs}` per line), validating every instruction. */
export function readPrompts(file: string): LocatedPrompt[] {
  return readJsonl(file, PromptRowSchema).map(({ line, value }) => {
    checkInstructions(value, file, line);
    return { file, line, ...value };
  });
}

/** One response row as read. */
export interface ResponseRow {
  line: number;
  key?: number;
  prompt?: string;
  response: string;
  instruction_id_list?: string[];
  kwargs?: Record<string, unknown>[];
}

/**
 * lm-evaluation-harness `--log_samples` rows (`{doc: {key, prompt, ...}, filtered_resps: [...], ...}`) read as
 * `{key, prompt, response}`; any other row is returned unchanged.
 */
function fromHarnessSample(row: unknown): unknown {
  if (typeof row !== "object" || row === null || !("doc" in row)) return row;
  const { doc, filtered_resps, resps } = row as { doc: unknown; filtered_resps?: unknown; resps?: unknown };
  if (typeof doc !== "object" || doc === null) return row;
  const first = (v: unknown): unknown => (Array.isArray(v) ? first(v[0]) : v);
  const { key, prompt } = doc as { key?: unknown; prompt?: unknown };
  return { key, prompt, response: first(filtered_resps ?? resps) };
}

/**
 * Read a responses file: `{prompt, response}` or `{key, response}` per line (`text` is read as `response`, see
 * ../response-field.ts), optionally with its own instructions; lm-evaluation-harness sample logs
 * (`{doc, filtered_resps}`) are read too.
 */
export function readResponses(file: string): ResponseRow[] {
  return readJsonl(file).map(({ line, value: raw }) => {
    const value = validate(ResponseRowSchema, withResponseField(fromHarnessSample(raw)), file, line);
    if (value.prompt === undefined && value.key === undefined)
      throw new DataError(file, line, "prompt", "each response needs a prompt or a key to match it to its prompt");
    if ((value.instruction_id_list === undefined) !== (value.kwargs === undefined))
      throw new DataError(
        file,
        line,
        value.kwargs === undefined ? "kwargs" : "instruction_id_list",
        "instruction_id_list and kwargs must be given together",
      );
    const row: ResponseRow = {
      line,
      key: value.key === undefined ? undefined : Number(value.key),
      prompt: value.prompt,
      response: value.response,
      instruction_id_list: value.instruction_id_list,
      kwargs: value.kwargs,
    };
    if (row.instruction_id_list && row.kwargs)
      checkInstructions({ prompt: "", instruction_id_list: row.instruction_id_list, kwargs: row.kwargs }, file, line);
    return row;
  });
}

/** A response matched to the prompt and instructions it is scored against. */
export interface MatchedResponse {
  line: number;
  input: IfevalPrompt;
  response: string;
  /** How the prompt was found: exact prompt text (as the reference), key, or the row's own instructions. */
  matchedBy: "prompt" | "key" | "own-instructions";
}

export interface Matching {
  matched: MatchedResponse[];
  /** Prompts of the input data that no response answers. */
  missing: IfevalPrompt[];
  /** Response rows that match no prompt and carry no instructions of their own: reported, not scored. */
  unmatched: ResponseRow[];
  /** Response rows whose prompt was already answered by an earlier row (all are scored). */
  duplicates: ResponseRow[];
}

/**
 * Pair responses with prompts. The reference looks responses up by exact prompt text; a `key` is used when the row
 * has no prompt or its prompt text is not in the input data (e.g. an old prompt text of the same key). A row's own
 * `instruction_id_list`/`kwargs` take precedence over the input data's.
 */
export function matchResponses(prompts: readonly IfevalPrompt[], responses: readonly ResponseRow[]): Matching {
  const byPrompt = new Map<string, IfevalPrompt>();
  const byKey = new Map<number, IfevalPrompt>();
  for (const p of prompts) {
    if (!byPrompt.has(p.prompt)) byPrompt.set(p.prompt, p);
    if (p.key !== undefined && !byKey.has(p.key)) byKey.set(p.key, p);
  }
  const answered = new Set<IfevalPrompt>();
  const matched: MatchedResponse[] = [];
  const unmatched: ResponseRow[] = [];
  const duplicates: ResponseRow[] = [];
  for (const row of responses) {
    let base: IfevalPrompt | undefined;
    let matchedBy: MatchedResponse["matchedBy"] = "prompt";
    if (row.prompt !== undefined) base = byPrompt.get(row.prompt);
    if (!base && row.key !== undefined) {
      base = byKey.get(row.key);
      matchedBy = "key";
    }
    if (base) {
      if (answered.has(base)) duplicates.push(row);
      answered.add(base);
    }
    if (row.instruction_id_list && row.kwargs) {
      const prompt = row.prompt ?? base?.prompt ?? "";
      matched.push({
        line: row.line,
        input: { key: row.key ?? base?.key, prompt, instruction_id_list: row.instruction_id_list, kwargs: row.kwargs },
        response: row.response,
        matchedBy: "own-instructions",
      });
    } else if (base) {
      matched.push({ line: row.line, input: base, response: row.response, matchedBy });
    } else unmatched.push(row);
  }
  // A file whose rows all bring their own instructions and touch no input prompt is a different dataset: nothing
  // of the input data is "missing" then.
  const selfContained = answered.size === 0 && responses.every((r) => r.instruction_id_list !== undefined);
  const missing = selfContained ? [] : prompts.filter((p) => !answered.has(p));
  return { matched, missing, unmatched, duplicates };
}
