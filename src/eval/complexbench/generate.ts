import { writeJsonl } from "../../data/jsonl.js";
import type { ChatModel } from "../../llm/types.js";
import { mapPool } from "../../util/map-pool.js";
import type { ComplexbenchRecord } from "./record.js";
import type { ComplexbenchLanguage } from "./run.js";

export interface ComplexbenchGenerationOptions {
  /** zh: the instruction; en: instruction_en. */
  language: ComplexbenchLanguage;
  /** Upstream recommends greedy (0). */
  temperature: number;
  /** top_p / max_tokens; unset ones are left to the server. */
  params?: { top_p?: number; max_tokens?: number };
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Responses of the model under test to every record, in benchmark order: one user turn with the record's
 * instruction (stage "complexbench-generate" for the cache and usage). With `file`, also writes them as the
 * upstream generations file (JSONL {main_id, model, instruction, generated}).
 */
export async function generateComplexbenchResponses(
  records: readonly ComplexbenchRecord[],
  generator: ChatModel,
  options: ComplexbenchGenerationOptions,
  file?: string,
): Promise<string[]> {
  let done = 0;
  const responses = await mapPool(records, options.concurrency, async (r) => {
    const res = await generator.chat(
      {
        messages: [{ role: "user", content: options.language === "en" ? (r.instruction_en ?? "") : r.instruction }],
        temperature: options.temperature,
        ...options.params,
      },
      { stage: "complexbench-generate" },
    );
    options.onProgress?.(++done, records.length);
    return res.text;
  });
  if (file)
    writeJsonl(
      file,
      records.map((r, i) => ({
        main_id: r.main_id,
        model: generator.model,
        instruction: r.instruction,
        generated: responses[i],
      })),
    );
  return responses;
}
