import { checkVocabulary, encodePrompt } from "../../model/chat-encoding.js";
import {
  contextLimit,
  DEFAULT_OVERLONG_POLICY,
  describeFit,
  fitGeneration,
  type OverlongPolicy,
} from "../../model/context-fit.js";
import { createTextGenerator, type TextGenerator } from "../../model/engine-loader.js";
import { loadModelFolder } from "../../model/model-folder.js";
import { promptSuffixLength } from "../../model/prompt-suffix.js";
import type { IfevalPrompt } from "./evaluate.js";
import { type GeneratedRow, pendingPrompts, saveResponses } from "./generate.js";

export interface LocalGenerationOptions {
  /** Generated tokens per response at most. */
  maxNewTokens: number;
  /** Prompts decoded together (batches group prompts of similar length). */
  batchSize: number;
  /** Use the float64 reference decoder instead of the ONNX Runtime engine (slow; for checking). */
  reference?: boolean;
  /** Token limit per prompt + response; default and upper bound: the model's max_position_embeddings. */
  maxLength?: number;
  /** A prompt over the limit (src/model/context-fit.ts): skip (default; then a missing response), truncate, error. */
  onOverlong?: OverlongPolicy;
  /** Warnings of the length check (one line each). */
  onWarning?: (line: string) => void;
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
  prompts: readonly (IfevalPrompt & { file?: string; line?: number })[],
  modelDir: string,
  file: string,
  options: LocalGenerationOptions,
): Promise<{ generated: number; reused: number; skipped: number; model: string }> {
  const folder = loadModelFolder(modelDir);
  const todo = pendingPrompts(prompts, file) as (IfevalPrompt & { file?: string; line?: number })[];
  const rows = todo.map((p, i) => {
    const conversation = [{ role: "user", content: p.prompt }];
    const prompt = encodePrompt(folder, conversation);
    checkVocabulary(prompt.ids, folder.config.vocab_size, modelDir, i + 1);
    return {
      ids: prompt.ids,
      suffix: () => promptSuffixLength(folder, conversation, prompt.text, prompt.ids),
      place: p.file !== undefined ? { file: p.file, line: p.line } : { file: `prompt key ${p.key}` },
    };
  });
  // Every prompt is checked against the model's context before any compute; a skipped one has no response.
  const fit = fitGeneration(
    rows,
    contextLimit(folder.config, options.maxLength),
    options.maxNewTokens,
    options.onOverlong ?? DEFAULT_OVERLONG_POLICY,
  );
  for (const w of fit.report.warnings) options.onWarning?.(`warning: ${w}`);
  const summary = describeFit(fit.report, "prompts");
  if (summary) options.onWarning?.(summary);
  const encoded = fit.prompts;
  const generator =
    options.generator ??
    (await createTextGenerator(folder.config, folder.checkpoint!.weights, options.reference === true));
  const order = todo
    .map((_, i) => i)
    .filter((i) => encoded[i] !== undefined)
    .sort((a, b) => encoded[a]!.length - encoded[b]!.length || a - b);
  let done = prompts.length - todo.length;
  await saveResponses(prompts, file, async (append) => {
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      const maxNew = Math.max(...batch.map((i) => fit.maxNewTokens[i]));
      const out = await generator.generate(
        batch.map((i) => encoded[i]!),
        { max_new_tokens: maxNew, temperature: 0, top_p: 1, seed: 0, eos_token_ids: folder.eosTokenIds },
      );
      batch.forEach((i, k) => {
        // A prompt whose context ends before maxNewTokens stops there (rows do not depend on batch companions).
        const tokens = out[k].subarray(0, fit.maxNewTokens[i]);
        const row: GeneratedRow = {
          key: todo[i].key,
          prompt: todo[i].prompt,
          response: folder.tokenizer.decode(tokens, true),
          model: modelDir,
          finish_reason: tokens.length >= fit.maxNewTokens[i] ? "length" : "stop",
          prompt_tokens: encoded[i]!.length,
          completion_tokens: tokens.length,
        };
        append(row);
        options.onResponse?.(++done, prompts.length);
      });
    }
  });
  return {
    generated: order.length,
    reused: prompts.length - todo.length,
    skipped: fit.report.skipped,
    model: modelDir,
  };
}
