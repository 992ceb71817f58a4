/**
 * LLaMA-Factory's `infer_seqlen(source_len, target_len, cutoff_len)` (data/processor/processor_utils.py): how
 * many prompt (source) and response (target) tokens to keep so that prompt + response fits in cutoff_len.
 * - a short response (2 * target < cutoff) keeps all of it and truncates the prompt;
 * - else a short prompt (2 * source < cutoff) keeps all of it and truncates the response;
 * - else both are cut in proportion to their lengths.
 * How a prompt is cut to its budget is `cutPrompt`'s business (LLaMA-Factory keeps prompt_ids[:source_len], which
 * loses the template's assistant header); responses keep their first tokens, as in LLaMA-Factory and TRL.
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
 * TRL's `truncation_mode`: which end of an over-long prompt survives.
 * - keep_start: the prompt's first tokens (BOS, system prompt, the start of the instruction) AND its template suffix
 *   (the end of the user turn and the assistant header), the content in between is cut;
 * - keep_end: the prompt's last tokens, as TRL's `prompt_input_ids[-max_prompt_length:]`.
 */
export const TRUNCATION_MODES = ["keep_start", "keep_end"] as const;
export type TruncationMode = (typeof TRUNCATION_MODES)[number];

/**
 * Cut a prompt to `len` tokens. `suffix` is the number of its last tokens written by the chat template after the
 * last message's content (src/model/prompt-suffix.ts); keep_start keeps them, so the response still follows the
 * assistant header. A budget smaller than the suffix keeps the suffix's last tokens (the header itself).
 */
export function cutPrompt<T>(prompt: readonly T[], len: number, suffix: number, mode: TruncationMode): T[] {
  if (prompt.length <= len) return [...prompt];
  if (mode === "keep_end" || suffix >= len) return prompt.slice(prompt.length - len);
  return [...prompt.slice(0, len - suffix), ...prompt.slice(prompt.length - suffix)];
}
