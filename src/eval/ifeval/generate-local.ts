import { checkVocabulary, encodePrompt } from "../../model/chat-encoding.js";
import { createTextGenerator, type TextGenerator } from "../../model/engine-loader.js";
import { loadModelFolder } from "../../model/model-folder.js";
import type { IfevalPrompt } from "./evaluate.js";
import { type GeneratedRow, pendingPrompts, saveResponses } from "./generate.js";

export interface LocalGenerationOptions {
  /** Generated tokens per response at most. */
  maxNewTokens: number;
  /** Prompts decoded together (batches group prompts of similar length). */
  batchSize: number;
  /** Use the float64 reference decoder instead of the ONNX Runtime engine (slow; for checking). */
  reference?: boolean;
  /** Injected generator (tests). */
  generator?: TextGenerator;
  onResponse?: (done: number, total: number) => void;
}

/**
 * Generate one greedy response per prompt in-process from a Hugging Face model folder: the prompt is rendered with
 * the model's own chat template as one user turn (add_generation_prompt), decoding stops at the model's EOS ids.
 * Responses are appended to `file` batch by batch, so an interrupted run resumes; prompts already answered there
 * are skipped. When all are done the file is rewritten in prompt order.
 */
export async function generateLocally(
  prompts: readonly IfevalPrompt[],
  modelDir: string,
  file: string,
  options: LocalGenerationOptions,
): Promise<{ generated: number; reused: number; model: string }> {
  const folder = loadModelFolder(modelDir);
  const todo = pendingPrompts(prompts, file);
  const encoded = todo.map((p, i) => {
    const ids = encodePrompt(folder, [{ role: "user", content: p.prompt }]).ids;
    checkVocabulary(ids, folder.config.vocab_size, modelDir, i + 1);
    return ids;
  });
  const generator =
    options.generator ??
    (await createTextGenerator(folder.config, folder.checkpoint!.weights, options.reference === true));
  const order = todo.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
  let done = prompts.length - todo.length;
  await saveResponses(prompts, file, async (append) => {
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      const out = await generator.generate(
        batch.map((i) => encoded[i]),
        { max_new_tokens: options.maxNewTokens, temperature: 0, top_p: 1, seed: 0, eos_token_ids: folder.eosTokenIds },
      );
      batch.forEach((i, k) => {
        const row: GeneratedRow = {
          key: todo[i].key,
          prompt: todo[i].prompt,
          response: folder.tokenizer.decode(out[k], true),
          model: modelDir,
          finish_reason: out[k].length >= options.maxNewTokens ? "length" : "stop",
          prompt_tokens: encoded[i].length,
          completion_tokens: out[k].length,
        };
        append(row);
        options.onResponse?.(++done, prompts.length);
      });
    }
  });
  return { generated: todo.length, reused: prompts.length - todo.length, model: modelDir };
}
