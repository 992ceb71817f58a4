import { DataError } from "../../data/errors.js";
import { importRow } from "../../data/formats/load.js";
import { FORMATS, type Format } from "../../data/formats/types.js";
import { readJsonOrJsonl } from "../../data/jsonl.js";
import type { ChatMessage } from "../../data/schemas.js";
import { rowToExample } from "../../model/chat-encoding.js";
import { trainValSplit } from "../rng.js";

/**
 * Prompts for the rollout methods (PPO, GRPO), from any dataset that carries one:
 * - TRACE records and chat rows (`messages`, a trailing assistant message is dropped), `prompt` rows (a string or
 *   messages; SFT prompt/completion rows, IFEval's input_data.jsonl), TRL/DPO preference rows (their prompt);
 * - IOPO groups give two prompts, x1 and x2 (both instructions are trained on; each keeps its own constraint list,
 *   so a rule reward checks the constraints of the instruction the completion answers);
 * - LLaMA-Factory alpaca / sharegpt rows (their prompt; an IOPO ranking row gives x1 and x2).
 * Each prompt keeps the record it came from (`record`), where reward functions read what they check:
 * `constraints_splits` (TRACE, IOPO x), `instruction_id_list` + `kwargs` (IFEval).
 */
export interface PromptRow {
  id?: string;
  prompt: ChatMessage[];
  record: Record<string, unknown>;
  /** file:line it was read from */
  source: { file: string; line: number | undefined };
}

export interface PromptData {
  /** the format rows were read as ("prompt" when detected from `prompt`/`messages` alone) */
  format: string;
  train: PromptRow[];
  eval: PromptRow[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function instructionRow(
  x: unknown,
  id: string | undefined,
  file: string,
  line: number | undefined,
  field: string,
): PromptRow {
  if (!isObject(x)) throw new DataError(file, line, field, "expected an instruction object with messages");
  const ex = rowToExample({ messages: x.messages }, file, line, false);
  return { id, prompt: ex.conversation as ChatMessage[], record: x, source: { file, line } };
}

/** The prompt rows of one raw record. */
export function promptRowsOf(value: unknown, file: string, line: number | undefined, format?: Format): PromptRow[] {
  if (!isObject(value)) throw new DataError(file, line, undefined, "expected a JSON object");
  const id = value.id === undefined ? undefined : String(value.id);
  const src = { file, line };
  const group = format === "iopo" || (format === undefined && "x1" in value && "x2" in value);
  if (group)
    return [
      instructionRow(value.x1, id === undefined ? undefined : `${id}#x1`, file, line, "x1"),
      instructionRow(value.x2, id === undefined ? undefined : `${id}#x2`, file, line, "x2"),
    ];
  const lf =
    format === "alpaca" ||
    format === "sharegpt" ||
    (format === undefined && ("conversations" in value || "instruction" in value));
  if (lf) {
    const fmt = format ?? ("conversations" in value ? "sharegpt" : "alpaca");
    const r = importRow(fmt, value, src);
    if (r.kind === "group")
      return [
        { id: r.row.id, prompt: r.row.x1.messages, record: r.row.x1, source: src },
        { id: r.row.id, prompt: r.row.x2.messages, record: r.row.x2, source: src },
      ];
    return [{ id: r.row.id, prompt: r.row.prompt, record: value, source: src }];
  }
  const pair = format === "dpo" || format === "trl" || (format === undefined && "chosen" in value);
  if (pair) {
    const r = importRow("trl", value, src);
    return [{ id, prompt: (r.row as { prompt: ChatMessage[] }).prompt, record: value, source: src }];
  }
  // messages (a trailing assistant turn is dropped) or prompt (a string or messages)
  const ex = rowToExample(value, file, line, false);
  return [{ id, prompt: ex.conversation as ChatMessage[], record: value, source: src }];
}

/** Read the prompts of a dataset file, then the seeded `val_size` split (over prompts). */
export function loadPromptData(cfg: {
  dataset: string;
  dataset_format?: Format;
  val_size: number;
  seed: number;
}): PromptData {
  if (cfg.dataset_format !== undefined && !(FORMATS as readonly string[]).includes(cfg.dataset_format))
    throw new DataError(cfg.dataset, undefined, "dataset_format", `unknown format ${cfg.dataset_format}`);
  const rows = readJsonOrJsonl(cfg.dataset);
  if (rows.length === 0) throw new DataError(cfg.dataset, undefined, undefined, "file has no rows");
  const prompts = rows.flatMap((r) => promptRowsOf(r.value, cfg.dataset, r.line, cfg.dataset_format));
  const split = trainValSplit(prompts.length, cfg.val_size, cfg.seed);
  const first = rows[0]!.value as Record<string, unknown>;
  const format =
    cfg.dataset_format ??
    ("x1" in first
      ? "iopo"
      : "conversations" in first
        ? "sharegpt"
        : "instruction" in first
          ? "alpaca"
          : "chosen" in first
            ? "trl"
            : "prompt");
  return { format, train: split.train.map((i) => prompts[i]!), eval: split.val.map((i) => prompts[i]!) };
}
