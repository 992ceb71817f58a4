import { z } from "zod";
import { DataError } from "../data/errors.js";
import { readJsonl } from "../data/jsonl.js";
import { ChatMessageSchema } from "../data/schemas.js";
import type { PipelineRow } from "../stages/stage.js";

/**
 * Input schemas of each stage when it runs alone (and of the seeds for `trace build`). Rows are validated on
 * read, so a bad file fails before any call with `file:line: field "x": ...`. A row without an `id` gets its
 * 0-based row index as id.
 */

const Id = z.union([z.string(), z.number()]).transform(String).optional();

export const SeedInputSchema = z.looseObject({ id: Id, instruction: z.string().min(1, "must be a non-empty string") });

export const StructureInputSchema = z
  .looseObject({
    id: Id,
    expanded_instruction: z.string().min(1).optional(),
    instruction: z.string().min(1).optional(),
  })
  .refine((r) => r.expanded_instruction !== undefined || r.instruction !== undefined, {
    message: "needs expanded_instruction (output of `trace expand`) or instruction",
    path: ["expanded_instruction"],
  });

export const StructuredInputSchema = z.looseObject({
  id: Id,
  description: z.string(),
  constraints_splits: z.array(z.string()).min(1, "needs at least one constraint"),
  input: z.string().default("NULL"),
});

/** Respond accepts structured rows or anything with chat `messages` (e.g. the released evaluation set). */
export const RespondInputSchema = z.union([
  z.looseObject({ id: Id, messages: z.array(ChatMessageSchema).min(1) }),
  StructuredInputSchema,
]);

export const JudgeInputSchema = z
  .looseObject({
    id: Id,
    response: z.string(),
    constraints_splits: z.array(z.string()).min(1).optional(),
    constraints: z.string().optional(),
    messages: z.array(ChatMessageSchema).min(1).optional(),
    description: z.string().optional(),
    input: z.string().optional(),
  })
  .refine((r) => r.constraints_splits !== undefined || r.constraints !== undefined, {
    message: "needs constraints_splits or constraints",
    path: ["constraints_splits"],
  })
  .refine((r) => r.messages !== undefined || r.description !== undefined, {
    message: "needs messages or description",
    path: ["messages"],
  });

/** Read a stage's input file, validating every row and giving ids to rows without one. */
export function readStageInput(file: string, schema: z.ZodType): PipelineRow[] {
  const firstLine = new Map<string, number>();
  return readJsonl(file, schema).map((r, i) => {
    const v = r.value as Record<string, unknown>;
    const id = v.id === undefined ? String(i) : String(v.id);
    // Ids key the resume journal, so they must be unique.
    const seen = firstLine.get(id);
    if (seen !== undefined)
      throw new DataError(file, r.line, "id", `duplicate id ${JSON.stringify(id)} (first on line ${seen})`);
    firstLine.set(id, r.line);
    return { ...v, id } as PipelineRow;
  });
}
