import type { ChatMessage, IopoGroup } from "../schemas.js";

/**
 * In-memory training examples every on-disk format converts to and from. Prompts are always chat messages
 * (TRL's conversational form); responses are one assistant turn's text.
 */
export interface PreferencePair {
  id?: string;
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
  /**
   * The rejected sequence's own prompt, when it differs from `prompt` (an input preference pair: the same response
   * under two instructions, chosen = (prompt, chosen), rejected = (rejected_prompt, rejected)). Absent in every
   * on-disk format; only the training loader builds such pairs (the `iopo_input_only` ablation).
   */
  rejected_prompt?: ChatMessage[];
}

export interface SftExample {
  id?: string;
  prompt: ChatMessage[];
  completion: string;
}

export type Dataset =
  | { kind: "group"; rows: IopoGroup[] }
  | { kind: "pair"; rows: PreferencePair[] }
  | { kind: "sft"; rows: SftExample[] };

export type DatasetKind = Dataset["kind"];

/**
 * On-disk formats:
 * - `iopo`: project IOPO groups (x1, y1, x2, y2), docs/design.md, section 4
 * - `dpo`:  project DPO pairs = TRL explicit-prompt conversational preference rows
 * - `sft`:  project SFT rows = TRL conversational language modelling (`messages`) or prompt/completion
 * - `trace`: TRACE records (`messages` ending with the user turn + the `response`, as `trace build` writes them);
 *            SFT examples: the paper's first training step is SFT on them
 * - `trl`:  TRL preference rows, standard (strings) or conversational, explicit or implicit prompt
 * - `alpaca`:   LLaMA-Factory alpaca (instruction/input + chosen/rejected, or output)
 * - `sharegpt`: LLaMA-Factory sharegpt (conversations + chosen/rejected from/value; IOPO groups as the official
 *               ranking rows conversations = [human x1, human x2], chosen = gpt y1, rejected = gpt y2)
 */
export const FORMATS = ["iopo", "dpo", "sft", "trace", "trl", "alpaca", "sharegpt"] as const;
export type Format = (typeof FORMATS)[number];

/** Where a row came from, for DataError messages. */
export interface RowSource {
  file: string;
  line: number | undefined;
}

/** TRACE's (and Qwen's default template's) system prompt. */
export const DEFAULT_SYSTEM = "You are a helpful assistant.";
