import type { ChatMessage, IopoGroup } from "../schemas.js";
import {
  checkPromptTurns,
  explicitSystem,
  fail,
  messageToShareGpt,
  shareGptToMessage,
  splitSystem,
  withSystem,
} from "./messages.js";
import type { PreferencePair, RowSource, SftExample } from "./types.js";

/**
 * LLaMA-Factory dataset rows (data/README.md of hiyouga/LLaMA-Factory), in its default column names:
 * alpaca   {instruction, input, output | chosen, rejected, system?, history?: [[query, response], ...]}
 * sharegpt {conversations: [{from, value}], chosen?: {from: "gpt", value}, rejected?: {...}, system?}
 * The official IOPO stage reads sharegpt ranking rows whose conversations hold x1's turns then x2's turns
 * (split in half), chosen = y1 (the answer to x1) and rejected = y2 (the answer to x2; not a bad answer).
 * A row's system prompt is written to the `system` column (the template's default is only used when it is empty).
 */

type Row = Record<string, unknown>;

function asObject(value: unknown, src: RowSource): Row {
  if (!value || typeof value !== "object" || Array.isArray(value)) fail(src, undefined, "expected a JSON object");
  return value as Row;
}

function optionalString(row: Row, key: string, src: RowSource): string | undefined {
  const v = row[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(src, key, "expected a string");
  return v;
}

function requiredString(row: Row, key: string, src: RowSource): string {
  const v = optionalString(row, key, src);
  if (v === undefined) fail(src, key, "missing");
  return v;
}

// ---------------------------------------------------------------- alpaca

export type AlpacaImport = { kind: "pair"; row: PreferencePair } | { kind: "sft"; row: SftExample };

/** alpaca row -> pair (chosen/rejected, or the older `output: [chosen, rejected]`) or SFT example (`output`). */
export function importAlpaca(value: unknown, src: RowSource): AlpacaImport {
  const row = asObject(value, src);
  const id = row.id === undefined ? undefined : String(row.id);
  const instruction = requiredString(row, "instruction", src);
  const input = optionalString(row, "input", src);
  const system = optionalString(row, "system", src);
  const turns: ChatMessage[] = [];
  if (row.history !== undefined) {
    if (!Array.isArray(row.history)) fail(src, "history", "expected a list of [query, response] pairs");
    row.history.forEach((h, i) => {
      if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== "string" || typeof h[1] !== "string")
        fail(src, `history.${i}`, "expected [query, response] strings");
      turns.push({ role: "user", content: h[0] }, { role: "assistant", content: h[1] });
    });
  }
  // LLaMA-Factory joins instruction and input with a newline into the user turn.
  turns.push({ role: "user", content: input ? `${instruction}\n${input}` : instruction });
  const prompt = withSystem(system, turns);
  if (row.chosen !== undefined || row.rejected !== undefined)
    return {
      kind: "pair",
      row: { id, prompt, chosen: requiredString(row, "chosen", src), rejected: requiredString(row, "rejected", src) },
    };
  if (Array.isArray(row.output)) {
    if (row.output.length !== 2 || row.output.some((o) => typeof o !== "string"))
      fail(src, "output", "a ranking output must be [chosen, rejected]");
    return { kind: "pair", row: { id, prompt, chosen: row.output[0], rejected: row.output[1] } };
  }
  return { kind: "sft", row: { id, prompt, completion: requiredString(row, "output", src) } };
}

function alpacaPrompt(prompt: readonly ChatMessage[], src: RowSource): Row {
  const { system, turns } = splitSystem(prompt);
  checkPromptTurns(turns, src, "prompt");
  const history: [string, string][] = [];
  for (let i = 0; i + 1 < turns.length; i += 2) history.push([turns[i].content, turns[i + 1].content]);
  const sys = explicitSystem(system);
  return {
    instruction: turns[turns.length - 1].content,
    input: "",
    ...(sys !== undefined ? { system: sys } : {}),
    ...(history.length ? { history } : {}),
  };
}

export function exportAlpacaPair(pair: PreferencePair, src: RowSource): Row {
  const p = alpacaPrompt(pair.prompt, src);
  const { instruction, input, ...rest } = p;
  return { instruction, input, chosen: pair.chosen, rejected: pair.rejected, ...rest };
}

export function exportAlpacaSft(row: SftExample, src: RowSource): Row {
  const p = alpacaPrompt(row.prompt, src);
  const { instruction, input, ...rest } = p;
  return { instruction, input, output: row.completion, ...rest };
}

// ---------------------------------------------------------------- sharegpt

export type ShareGptImport =
  | { kind: "group"; row: IopoGroup }
  | { kind: "pair"; row: PreferencePair }
  | { kind: "sft"; row: SftExample };

/**
 * sharegpt row -> IOPO group (ranking row with an even number of prompt turns: first half x1, second half x2),
 * DPO pair (ranking row with an odd number of turns ending in a human turn) or SFT example (no chosen/rejected,
 * last turn from gpt).
 */
export function importShareGpt(value: unknown, src: RowSource): ShareGptImport {
  const row = asObject(value, src);
  const id = row.id === undefined ? undefined : String(row.id);
  if (!Array.isArray(row.conversations) || row.conversations.length === 0)
    fail(src, "conversations", "expected a non-empty list of {from, value} turns");
  let messages = row.conversations.map((t, i) => shareGptToMessage(t, src, `conversations.${i}`));
  let system = optionalString(row, "system", src);
  if (messages[0].role === "system") {
    if (system !== undefined) fail(src, "conversations.0", "system prompt given twice (column and first turn)");
    system = messages[0].content;
    messages = messages.slice(1);
  }
  const ranking = row.chosen !== undefined || row.rejected !== undefined;
  if (!ranking) {
    const last = messages[messages.length - 1];
    if (last.role !== "assistant") fail(src, "conversations", "an SFT conversation must end with a gpt turn");
    const turns = messages.slice(0, -1);
    checkPromptTurns(turns, src, "conversations");
    return { kind: "sft", row: { id, prompt: withSystem(system, turns), completion: last.content } };
  }
  const response = (key: string) => {
    const m = shareGptToMessage(row[key], src, key);
    if (m.role !== "assistant") fail(src, `${key}.from`, `expected "gpt", got a ${m.role} turn`);
    return m.content;
  };
  const chosen = response("chosen");
  const rejected = response("rejected");
  if (messages.length % 2 === 1) {
    checkPromptTurns(messages, src, "conversations");
    return { kind: "pair", row: { id, prompt: withSystem(system, messages), chosen, rejected } };
  }
  const half = messages.length / 2;
  const t1 = messages.slice(0, half);
  const t2 = messages.slice(half);
  checkPromptTurns(t1, src, "conversations (x1 half)");
  checkPromptTurns(t2, src, "conversations (x2 half)");
  return {
    kind: "group",
    row: {
      ...(id !== undefined ? { id } : {}),
      x1: { messages: withSystem(system, t1) },
      y1: chosen,
      x2: { messages: withSystem(system, t2) },
      y2: rejected,
    },
  };
}

/** The official IOPO stage's input row: conversations = [x1 turns, x2 turns], chosen = gpt y1, rejected = gpt y2. */
export function exportShareGptGroup(g: IopoGroup, src: RowSource): Row {
  const a = splitSystem(g.x1.messages);
  const b = splitSystem(g.x2.messages);
  if ((a.system ?? "") !== (b.system ?? ""))
    fail(src, "x2.messages.0", "x1 and x2 have different system prompts; a ranking row has a single system");
  checkPromptTurns(a.turns, src, "x1.messages");
  checkPromptTurns(b.turns, src, "x2.messages");
  if (a.turns.length !== b.turns.length)
    fail(src, "x2.messages", "x1 and x2 must have the same number of turns (the trainer splits them in half)");
  const sys = explicitSystem(a.system);
  return {
    conversations: [...a.turns, ...b.turns].map(messageToShareGpt),
    chosen: { from: "gpt", value: g.y1 },
    rejected: { from: "gpt", value: g.y2 },
    ...(sys !== undefined ? { system: sys } : {}),
  };
}

export function exportShareGptPair(pair: PreferencePair, src: RowSource): Row {
  const { system, turns } = splitSystem(pair.prompt);
  checkPromptTurns(turns, src, "prompt");
  const sys = explicitSystem(system);
  return {
    conversations: turns.map(messageToShareGpt),
    chosen: { from: "gpt", value: pair.chosen },
    rejected: { from: "gpt", value: pair.rejected },
    ...(sys !== undefined ? { system: sys } : {}),
  };
}

export function exportShareGptSft(row: SftExample, src: RowSource): Row {
  const { system, turns } = splitSystem(row.prompt);
  checkPromptTurns(turns, src, "prompt");
  const sys = explicitSystem(system);
  return {
    conversations: [...turns, { role: "assistant" as const, content: row.completion }].map(messageToShareGpt),
    ...(sys !== undefined ? { system: sys } : {}),
  };
}

/** The `dataset_info.json` entry LLaMA-Factory needs to read a file written by the exporters above. */
export function datasetInfoEntry(
  fileName: string,
  formatting: "alpaca" | "sharegpt",
  kind: "group" | "pair" | "sft",
  rows: readonly Row[],
): Record<string, unknown> {
  const hasSystem = rows.some((r) => r.system !== undefined);
  const hasHistory = rows.some((r) => r.history !== undefined);
  const ranking = kind !== "sft";
  if (formatting === "sharegpt") {
    const columns: Record<string, string> = { messages: "conversations" };
    if (ranking) Object.assign(columns, { chosen: "chosen", rejected: "rejected" });
    if (hasSystem) columns.system = "system";
    return { file_name: fileName, ...(ranking ? { ranking: true } : {}), formatting: "sharegpt", columns };
  }
  const columns: Record<string, string> = { prompt: "instruction", query: "input" };
  if (ranking) Object.assign(columns, { chosen: "chosen", rejected: "rejected" });
  else columns.response = "output";
  if (hasSystem) columns.system = "system";
  if (hasHistory) columns.history = "history";
  return { file_name: fileName, ...(ranking ? { ranking: true } : {}), formatting: "alpaca", columns };
}
