import { DataError } from "../data/errors.js";
import type { ChatTemplate, ChatTurn } from "./chat-template.js";
import { promptSuffixLength } from "./prompt-suffix.js";
import type { ModelTokenizer } from "./tokenizer.js";

/**
 * Chat rows -> token ids with an exact prompt/response boundary, following TRL's prompt/completion convention:
 *
 *   prompt text   = template(conversation, add_generation_prompt=true)
 *   full text     = template(conversation + [assistant: response], add_generation_prompt=false)
 *   response text = full text minus the prompt text (which must be a prefix of it)
 *
 * so the response tokens are exactly what the model's template writes for the assistant turn - for ChatML that is
 * `{response}<|im_end|>\n`, for Llama-3 `{response}<|eot_id|>`. Nothing is appended by hand (no extra EOS, TRL
 * #4481) and chat text is tokenized without the tokenizer's post-processor (no second BOS: the template already
 * wrote it, as transformers' apply_chat_template does).
 *
 * Token boundary: we tokenize the prompt text and the full text. If the prompt's tokens are a prefix of the full
 * text's tokens, the sequence is the full text's tokens and the response starts after the prompt's. Otherwise BPE
 * merged characters across the boundary (only possible when the template puts no special token there); we then
 * tokenize prompt and response separately and concatenate (the TRL DPO trainer's approach), so the prompt tokens
 * are exactly those the model sees at generation time, and mark the example `boundaryMerged`.
 */

export interface ChatExample {
  /** The conversation up to (not including) the response. */
  conversation: ChatTurn[];
  /** The assistant response to score (undefined for generation-only rows). */
  response: string | undefined;
}

export interface EncodedExample {
  /** Prompt tokens followed by response tokens. */
  ids: Int32Array;
  /** Index of the first response token in `ids`. */
  responseStart: number;
  promptText: string;
  responseText: string;
  /** True when prompt and response had to be tokenized separately (see above). */
  boundaryMerged: boolean;
}

function turns(value: unknown, file: string, line: number | undefined, field: string): ChatTurn[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new DataError(file, line, field, "expected a non-empty list of {role, content} messages");
  }
  return value.map((m, i) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (!msg || typeof msg !== "object" || typeof msg.role !== "string") {
      throw new DataError(file, line, `${field}[${i}].role`, "expected a string role");
    }
    if (typeof msg.content !== "string") {
      throw new DataError(file, line, `${field}[${i}].content`, "expected string content");
    }
    return { role: msg.role, content: msg.content };
  });
}

function responseField(row: Record<string, unknown>, file: string, line: number | undefined): string | undefined {
  for (const key of ["response", "completion"]) {
    const v = row[key];
    if (v === undefined || v === null) continue;
    if (typeof v === "string") return v;
    // TRL conversational completion: [{role: "assistant", content}]
    const t = turns(v, file, line, key);
    if (t.length !== 1 || t[0].role !== "assistant") {
      throw new DataError(file, line, key, "expected a string or one assistant message");
    }
    return t[0].content;
  }
  return undefined;
}

/**
 * Read one data row: `prompt` (a string = one user message, or a list of messages) or `messages` (the
 * conversation), plus `response` / `completion`. With `messages` and no response field, the last assistant message
 * is the response. `requireResponse` false (generation) drops a trailing assistant message instead.
 */
export function rowToExample(
  row: unknown,
  file: string,
  line: number | undefined,
  requireResponse: boolean,
): ChatExample {
  if (!row || typeof row !== "object" || Array.isArray(row))
    throw new DataError(file, line, undefined, "expected an object");
  const r = row as Record<string, unknown>;
  let conversation: ChatTurn[];
  if (r.messages !== undefined) conversation = turns(r.messages, file, line, "messages");
  else if (typeof r.prompt === "string") conversation = [{ role: "user", content: r.prompt }];
  else if (r.prompt !== undefined) conversation = turns(r.prompt, file, line, "prompt");
  else throw new DataError(file, line, "prompt", 'expected "prompt" (string or messages) or "messages"');
  let response = responseField(r, file, line);
  const last = conversation[conversation.length - 1];
  if (response === undefined && last.role === "assistant") {
    response = last.content;
    conversation = conversation.slice(0, -1);
    if (conversation.length === 0)
      throw new DataError(file, line, "messages", "no prompt before the assistant message");
  }
  if (requireResponse && response === undefined) {
    throw new DataError(file, line, "response", 'expected "response" or a final assistant message in "messages"');
  }
  return { conversation, response: requireResponse ? response : undefined };
}

export interface ChatCodec {
  tokenizer: ModelTokenizer;
  chatTemplate: ChatTemplate | undefined;
}

function template(codec: ChatCodec): ChatTemplate {
  if (!codec.chatTemplate) {
    throw new DataError("tokenizer_config.json", undefined, "chat_template", "the model folder has no chat template");
  }
  return codec.chatTemplate;
}

/** The generation prompt of a conversation: its text and tokens. */
export function encodePrompt(codec: ChatCodec, conversation: ChatTurn[]): { text: string; ids: Int32Array } {
  const text = template(codec).render(conversation, true);
  return { text, ids: Int32Array.from(codec.tokenizer.encode(text)) };
}

export function encodeExample(codec: ChatCodec, example: ChatExample, where = "data"): EncodedExample {
  if (example.response === undefined) throw new DataError(where, undefined, "response", "missing response");
  const tpl = template(codec);
  const promptText = tpl.render(example.conversation, true);
  const fullText = tpl.render([...example.conversation, { role: "assistant", content: example.response }], false);
  if (!fullText.startsWith(promptText)) {
    throw new DataError(
      tpl.origin,
      undefined,
      "chat_template",
      "the generation prompt is not a prefix of the conversation rendered with the assistant turn, so the " +
        `response cannot be delimited (prompt ends ${JSON.stringify(promptText.slice(-40))}; full text has ` +
        `${JSON.stringify(fullText.slice(Math.max(0, promptText.length - 40), promptText.length + 20))})`,
    );
  }
  const responseText = fullText.slice(promptText.length);
  const promptIds = codec.tokenizer.encode(promptText);
  const fullIds = codec.tokenizer.encode(fullText);
  const isPrefix = promptIds.length <= fullIds.length && promptIds.every((id, i) => fullIds[i] === id);
  if (isPrefix) {
    return {
      ids: Int32Array.from(fullIds),
      responseStart: promptIds.length,
      promptText,
      responseText,
      boundaryMerged: false,
    };
  }
  const responseIds = codec.tokenizer.encode(responseText);
  return {
    ids: Int32Array.from([...promptIds, ...responseIds]),
    responseStart: promptIds.length,
    promptText,
    responseText,
    boundaryMerged: true,
  };
}

/** Token ids the model cannot embed (tokenizer larger than config.json's vocab_size) are a data error, not a crash. */
export function checkVocabulary(ids: Int32Array, vocabSize: number, where: string, line: number | undefined): void {
  for (const id of ids) {
    if (id < 0 || id >= vocabSize) {
      throw new DataError(
        where,
        line,
        undefined,
        `token id ${id} is outside the model's vocabulary (vocab_size ${vocabSize})`,
      );
    }
  }
}

/**
 * `encodeExample` for training: also gives, lazily (only prompts that are cut need it), how many of the prompt's
 * last tokens the template wrote after the last message's content, so truncation can keep the assistant header.
 */
export function encodeTrainingExample(
  codec: ChatCodec,
  example: ChatExample,
  where = "data",
): EncodedExample & { promptSuffix: () => number } {
  const e = encodeExample(codec, example, where);
  const promptIds = e.ids.subarray(0, e.responseStart);
  let suffix: number | undefined;
  return {
    ...e,
    promptSuffix: () => (suffix ??= promptSuffixLength(codec, example.conversation, e.promptText, promptIds)),
  };
}
