/**
 * LLaMA-Factory's `infer_seqlen(source_len, target_len, cutoff_len)` (data/processor/processor_utils.py): how
 * many prompt (source) and response (target) tokens to keep so that prompt + response fits in cutoff_len.
 * - a short response (2 * target < cutoff) keeps all of it and truncates the prompt;
 * - else a short prompt (2 * source < cutoff) keeps all of it and truncates the response;
 * - else both are cut in proportion to their lengths.
 * Prompts keep their first tokens (prompt_ids[:source_len]); responses their first tokens.
 */
export function inferSeqlen(sourceLen: number, targetLen: number, cutoffLen: number): [number, number] {
  let maxTargetLen: number;
  if (targetLen * 2 < cutoffLen) maxTargetLen = cutoffLen;
  else if (sourceLen * 2 < cutoffLen) maxTargetLen = cutoffLen - sourceLen;
  else maxTargetLen = Math.floor(cutoffLen * (targetLen / (sourceLen + targetLen)));
  const newTargetLen = Math.min(maxTargetLen, targetLen);
  const maxSourceLen = Math.max(cutoffLen - newTargetLen, 0);
  const newSourceLen = Math.min(maxSourceLen, sourceLen);
  return [newSourceLen, newTargetLen];
}

/**
 * One truncation for all sequences of an example, as the official pairwise/IOPO processors do: the budget is
 * computed from the longest prompt and the longest response, and every prompt and response is cut to it. An IOPO
 * group's four sequences (x1,y1), (x1,y2), (x2,y2), (x2,y1) therefore see the same prompt and response budgets,
 * so no sequence is favoured by truncation.
 */
export function truncateExample<T>(
  prompts: readonly T[][],
  responses: readonly T[][],
  cutoffLen: number,
): { prompts: T[][]; responses: T[][]; promptLen: number; responseLen: number } {
  const maxPrompt = Math.max(...prompts.map((p) => p.length));
  const maxResponse = Math.max(...responses.map((r) => r.length));
  const [promptLen, responseLen] = inferSeqlen(maxPrompt, maxResponse, cutoffLen);
  return {
    prompts: prompts.map((p) => p.slice(0, promptLen)),
    responses: responses.map((r) => r.slice(0, responseLen)),
    promptLen,
    responseLen,
  };
}
