import { cutPrompt, inferSeqlen, type TruncationMode } from "../model/truncation.js";

// The rules themselves live with the model (src/model/truncation.ts), which `generate` and `logprobs` apply too.
export { cutPrompt, inferSeqlen, TRUNCATION_MODES, type TruncationMode } from "../model/truncation.js";

export interface TruncateOptions {
  /** Template suffix length of prompt i (computed only for prompts that are cut). Default: none. */
  promptSuffix?: (i: number) => number;
  mode?: TruncationMode;
}

export interface TruncatedExample<T> {
  prompts: T[][];
  responses: T[][];
  /** The budgets every prompt and every response of the example was cut to. */
  promptLen: number;
  responseLen: number;
  /** How many prompts / responses lost tokens. */
  promptsCut: number;
  responsesCut: number;
}

/**
 * One truncation for all sequences of an example, as the official pairwise/IOPO processors do: the budget is
 * computed from the longest prompt and the longest response, and every prompt and response is cut to it. An IOPO
 * group's four sequences (x1,y1), (x1,y2), (x2,y2), (x2,y1) therefore see the same prompt and response budgets,
 * so no sequence is favoured by truncation; prompts that are equal stay equal.
 */
export function truncateExample<T>(
  prompts: readonly T[][],
  responses: readonly T[][],
  cutoffLen: number,
  options: TruncateOptions = {},
): TruncatedExample<T> {
  const maxPrompt = Math.max(...prompts.map((p) => p.length));
  const maxResponse = Math.max(...responses.map((r) => r.length));
  const [promptLen, responseLen] = inferSeqlen(maxPrompt, maxResponse, cutoffLen);
  const mode = options.mode ?? "keep_start";
  return {
    prompts: prompts.map((p, i) =>
      cutPrompt(p, promptLen, p.length > promptLen ? (options.promptSuffix?.(i) ?? 0) : 0, mode),
    ),
    responses: responses.map((r) => r.slice(0, responseLen)),
    promptLen,
    responseLen,
    promptsCut: prompts.filter((p) => p.length > promptLen).length,
    responsesCut: responses.filter((r) => r.length > responseLen).length,
  };
}
