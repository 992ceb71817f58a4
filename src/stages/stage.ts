import type { StageProvenance } from "../data/schemas.js";
import type { PromptTemplate } from "../llm/prompt-template.js";
import type { ChatRequest } from "../llm/types.js";
import type { PromptLang } from "../taxonomy/render.js";

/**
 * A construction stage: one LLM call per row. The stage builds the request from the row, and parses the reply
 * into either the next row, a rejection (the row is valid data but fails the stage's test, e.g. "Incomplete"),
 * or a parse failure (the reply could not be read; the raw text is kept).
 */

/** Every row flowing through the pipeline has a string id (unique within a run) and free-form fields. */
export interface PipelineRow {
  id: string;
  provenance?: Record<string, StageProvenance>;
  [field: string]: unknown;
}

export type StageOutcome<Out extends PipelineRow> =
  /** `counters`: things worth counting in the stage summary that do not reject the row (e.g. unrecognised tags). */
  | { kind: "ok"; row: Out; counters?: Record<string, number> }
  | { kind: "reject"; reason: string; detail?: unknown }
  | { kind: "parse_failure"; detail: string };

export interface StageContext {
  lang: PromptLang;
  /** Base seed of the run (`--seed`); stages derive per-row streams from it. */
  seed: number;
}

export interface Stage<In extends PipelineRow, Out extends PipelineRow> {
  /** Name used in provenance, journals, rejects and progress ("expand", "structure", ...). */
  readonly name: string;
  /** The prompt template for a language; its hash is part of the stage signature and of provenance. */
  template(lang: PromptLang): PromptTemplate;
  /** Sampling parameters sent with every request of this stage (temperature, max_tokens...). */
  readonly params: Omit<ChatRequest, "messages" | "seed">;
  request(row: In, ctx: StageContext): ChatRequest;
  parse(text: string, row: In, ctx: StageContext): StageOutcome<Out>;
}

/** A row that left the pipeline, with the stage and the reason (DESIGN: never silently dropped). */
export interface RejectRow {
  id: string;
  stage: string;
  /** "parse_failure", "call_failed", or the stage's own reason ("incomplete", "redundant", "not_all_10"...). */
  reason: string;
  detail?: unknown;
  /** The stage's raw LLM output, when there was one. */
  raw_output?: string;
  /** The row as it entered the stage. */
  row: PipelineRow;
}
