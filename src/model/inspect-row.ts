import { DataError } from "../data/errors.js";
import { readJsonOrJsonl } from "../data/jsonl.js";
import { type ChatExample, encodeExample, encodePrompt, rowToExample } from "./chat-encoding.js";
import { loadModelFolder } from "./model-folder.js";

export interface InspectArgs {
  model: string;
  data?: string;
  /** 0-based row index. */
  row?: number;
  prompt?: string;
  response?: string;
  json?: boolean;
}

/**
 * Show exactly what the model sees for one row: the text its chat template renders, where the prompt ends and the
 * response begins, and the token ids/pieces on each side, plus counts of the special tokens (so a duplicated BOS or
 * EOS is visible at a glance).
 */
export function inspectRow(args: InspectArgs): { report: string; json: Record<string, unknown> } {
  const folder = loadModelFolder(args.model, { loadWeights: false });
  let example: ChatExample;
  let where: string;
  if (args.data) {
    const rows = readJsonOrJsonl(args.data);
    const index = args.row ?? 0;
    if (index < 0 || index >= rows.length) {
      throw new DataError(args.data, undefined, "--row", `row ${index} out of range (file has ${rows.length} rows)`);
    }
    const r = rows[index];
    const v = r.value as Record<string, unknown>;
    const hasResponse = v.response !== undefined || v.completion !== undefined || lastIsAssistant(v.messages);
    example = rowToExample(v, args.data, r.line, hasResponse);
    where = `${args.data} row ${index} (line ${r.line})`;
  } else if (args.prompt !== undefined) {
    example = { conversation: [{ role: "user", content: args.prompt }], response: args.response };
    where = "--prompt";
  } else {
    throw new Error("inspectRow: give data (and a row) or a prompt (and a response)");
  }
  const tok = folder.tokenizer;
  const prompt =
    example.response === undefined ? { ...encodePrompt(folder, example.conversation), responseText: "" } : undefined;
  const enc = example.response !== undefined ? encodeExample(folder, example) : undefined;
  const ids = enc ? Array.from(enc.ids) : Array.from(prompt!.ids);
  const responseStart = enc ? enc.responseStart : ids.length;
  const promptText = enc ? enc.promptText : prompt!.text;
  const responseText = enc ? enc.responseText : "";
  const special = new Map<string, number>();
  for (const id of ids) {
    const piece = tok.pieces([id])[0];
    if (tok.tokenizer.get_added_tokens_decoder().get(id)?.special) special.set(piece, (special.get(piece) ?? 0) + 1);
  }
  const tokenLines = (from: number, to: number) =>
    ids
      .slice(from, to)
      .map(
        (id, k) =>
          `  ${String(from + k).padStart(5)}  ${String(id).padStart(7)}  ${JSON.stringify(tok.pieces([id])[0])}`,
      )
      .join("\n");
  const MARK = "\u2503<<< prompt | response >>>\u2503";
  const lines = [
    `model: ${folder.dir}  (chat template from ${folder.chatTemplate?.origin ?? "none"})`,
    `row: ${where}`,
    `eos_token_ids: ${JSON.stringify(folder.eosTokenIds)}  bos_token: ${JSON.stringify(tok.bosToken)}  eos_token: ${JSON.stringify(tok.eosToken)}`,
    "",
    `--- rendered text (boundary marked ${MARK}) ---`,
    `${promptText}${MARK}${responseText}`,
    "",
    `--- prompt tokens (${responseStart}) ---`,
    tokenLines(0, responseStart),
    `--- response tokens (${ids.length - responseStart})${enc?.boundaryMerged ? " [BPE merged across the boundary: prompt and response tokenized separately]" : ""} ---`,
    tokenLines(responseStart, ids.length),
    "",
    `special tokens: ${[...special].map(([p, n]) => `${p} x${n}`).join(", ") || "none"}`,
  ];
  const json = {
    prompt_text: promptText,
    response_text: responseText,
    prompt_ids: ids.slice(0, responseStart),
    response_ids: ids.slice(responseStart),
    prompt_tokens: tok.pieces(ids.slice(0, responseStart)),
    response_tokens: tok.pieces(ids.slice(responseStart)),
    boundary_merged: enc?.boundaryMerged ?? false,
  };
  return { report: `${lines.join("\n")}\n`, json };
}

function lastIsAssistant(messages: unknown): boolean {
  return Array.isArray(messages) && (messages[messages.length - 1] as { role?: unknown })?.role === "assistant";
}
