import { z } from "zod";

/**
 * Records on disk (JSONL, snake_case, the field's own names). See docs/design.md, section 4.
 * Readers are lenient about extra fields (kept: looseObject) and strict about the fields they use.
 */

export const ChatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Provenance of one LLM call of a pipeline stage (distilabel-style raw input/output + statistics). */
export const StageProvenanceSchema = z.looseObject({
  model: z.string(),
  template_hash: z.string(),
  raw_output: z.string(),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  cached: z.boolean().optional(),
});
export type StageProvenance = z.infer<typeof StageProvenanceSchema>;

/** Per-constraint judge verdict (appendix B.5 "Fine Grained Score" + "Constraints Overall Score: [[x]]"). */
export const JudgeResultSchema = z.looseObject({
  scores: z.array(z.number()).nullable(),
  overall: z.number().nullable(),
  raw: z.string(),
  parse_error: z.string().optional(),
});
export type JudgeResult = z.infer<typeof JudgeResultSchema>;

/**
 * A TRACE record: the fields of the released evaluation set plus optional construction provenance and judge
 * results. `input` is the literal "NULL" when the task has no input. `id` is a string in the released file.
 */
export const TraceRecordSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  messages: z.array(ChatMessageSchema).min(1),
  description: z.string(),
  constraints: z.string(),
  input: z.string(),
  constraints_num: z.number().int().nonnegative(),
  constraints_splits: z.array(z.string()),
  levels2: z.array(z.string()).optional(),
  category: z.string().optional(),
  type: z.string().optional(),
  response: z.string().optional(),
  judge: JudgeResultSchema.optional(),
  provenance: z.record(z.string(), StageProvenanceSchema).optional(),
});
export type TraceRecord = z.infer<typeof TraceRecordSchema>;

/**
 * One instruction x of an IOPO group: the chat messages the model sees, and (when built by the data engine)
 * its structure. Imported files may carry only the messages.
 */
export const InstructionSchema = z.looseObject({
  messages: z.array(ChatMessageSchema).min(1),
  description: z.string().optional(),
  constraints_splits: z.array(z.string()).optional(),
  input: z.string().optional(),
});
export type Instruction = z.infer<typeof InstructionSchema>;

/**
 * IOPO group <x1, y1, x2, y2>: y1 follows x1 and violates x2; y2 follows x2 and violates x1.
 * (The official release calls y2 "rejected": it is not a bad answer, it is the correct answer to x2.)
 */
export const IopoGroupSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  x1: InstructionSchema,
  y1: z.string(),
  x2: InstructionSchema,
  y2: z.string(),
  operation: z.enum(["add", "delete", "revise"]).optional(),
  judge: z.record(z.string(), JudgeResultSchema).optional(),
});
export type IopoGroup = z.infer<typeof IopoGroupSchema>;

/**
 * DPO pair in TRL's explicit-prompt conversational format: `prompt` is the conversation so far, `chosen` and
 * `rejected` are the assistant turns. The standard (string) form is accepted too.
 */
export const DpoPairSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  prompt: z.union([z.string(), z.array(ChatMessageSchema).min(1)]),
  chosen: z.union([z.string(), z.array(ChatMessageSchema).min(1)]),
  rejected: z.union([z.string(), z.array(ChatMessageSchema).min(1)]),
});
export type DpoPair = z.infer<typeof DpoPairSchema>;

/** SFT row: TRL conversational language-modelling (`messages`) or prompt/completion. */
export const SftRowSchema = z.union([
  z.looseObject({ messages: z.array(ChatMessageSchema).min(2) }),
  z.looseObject({ prompt: z.string(), completion: z.string() }),
]);
export type SftRow = z.infer<typeof SftRowSchema>;
