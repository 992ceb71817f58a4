import type { ChatTemplate, ChatTurn } from "./chat-template.js";
import type { ModelTokenizer } from "./tokenizer.js";

/**
 * The prompt's template suffix: what the chat template writes after the last message's content when it renders
 * the generation prompt - ChatML `<|im_end|>\n<|im_start|>assistant\n`, Llama-3
 * `<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`. A prompt cut to a token budget must keep it,
 * or the model is trained on a response that follows a truncated user turn with no assistant header.
 *
 * It is derived from the template itself, not hard-coded: the conversation is rendered once more with a marker
 * appended to the last message's content; whatever the template writes after the marker is the suffix text, and
 * the real prompt must end with it (a template that does not keep the content in place yields no suffix).
 */

/** A private-use character: never in templates, kept by templates that trim or escape ordinary text. */
const MARKER = "\uE000";

/** The suffix text of `promptText` (the generation prompt of `conversation`), or "" when it cannot be derived. */
export function promptSuffixText(template: ChatTemplate, conversation: ChatTurn[], promptText: string): string {
  if (conversation.length === 0) return "";
  const last = conversation[conversation.length - 1];
  const marked = template.render([...conversation.slice(0, -1), { ...last, content: last.content + MARKER }], true);
  const at = marked.lastIndexOf(MARKER);
  if (at < 0) return "";
  const suffix = marked.slice(at + MARKER.length);
  return promptText.endsWith(suffix) && !suffix.includes(MARKER) ? suffix : "";
}

/**
 * How many of the prompt's last tokens carry the suffix text. `promptIds` must be the tokenization of
 * `promptText` (as chat-encoding.ts produces it). When BPE merged a token across the content/suffix boundary, that
 * token counts as suffix, so the whole suffix text is always inside the returned tokens.
 */
export function promptSuffixLength(
  codec: { tokenizer: ModelTokenizer; chatTemplate: ChatTemplate | undefined },
  conversation: ChatTurn[],
  promptText: string,
  promptIds: ArrayLike<number>,
): number {
  if (!codec.chatTemplate) return 0;
  const suffix = promptSuffixText(codec.chatTemplate, conversation, promptText);
  if (suffix === "") return 0;
  const head = codec.tokenizer.encode(promptText.slice(0, promptText.length - suffix.length));
  let common = 0;
  while (common < head.length && common < promptIds.length && head[common] === promptIds[common]) common++;
  return promptIds.length - common;
}
