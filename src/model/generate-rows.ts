import { readJsonOrJsonl, writeJsonl } from "../data/jsonl.js";
import { assertFilePath } from "../util/path-error.js";
import { checkVocabulary, encodePrompt, rowToExample } from "./chat-encoding.js";
import {
  contextLimit,
  DEFAULT_OVERLONG_POLICY,
  describeFit,
  fitGeneration,
  type OverlongPolicy,
} from "./context-fit.js";
import { createTextGenerator, type TextGenerator } from "./engine-loader.js";
import { loadModelFolder } from "./model-folder.js";
import { promptSuffixLength } from "./prompt-suffix.js";

export interface GenerateArgs {
  model: string;
  data: string;
  output?: string;
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  batch_size?: number;
  /** Token limit per row (prompt + generated); default and upper bound: the model's max_position_embeddings. */
  max_length?: number;
  /** What to do with a prompt over the limit (src/model/context-fit.ts). Default "skip". */
  on_overlong?: OverlongPolicy;
  reference?: boolean;
  /** Injected generator (tests). */
  generator?: TextGenerator;
  log?: (line: string) => void;
}

/**
 * Generate a response for every chat row: the prompt is the row's conversation rendered with the model's template
 * and `add_generation_prompt=true` (a trailing assistant message, e.g. a reference answer, is dropped); generation
 * stops at any EOS id (config.json, generation_config.json, tokenizer eos_token) or after max_new_tokens.
 * Output: the input fields plus `response` (decoded without special tokens; it replaces an input `response`) and
 * `token_ids` (generated ids, EOS excluded), one row per input in order. `response` is the field every evaluator
 * reads (`iopo eval trace|ifeval|cfbench|complexbench --responses`), and the input's `id` / `key` / `prompt` stay, so
 * the rows are matched to their records. Rows over the model's context are checked up front and skipped (left out
 * of the output, with a warning naming file:line), truncated or refused, per `on_overlong` (src/model/context-fit.ts).
 */
export async function runGenerate(args: GenerateArgs): Promise<Record<string, unknown>[]> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // An unusable output path fails now, not after the compute.
  if (args.output) assertFilePath(args.output);
  const folder = loadModelFolder(args.model);
  const rows = readJsonOrJsonl(args.data);
  const maxNew = args.max_new_tokens ?? 256;
  // Every row is encoded and checked against the model's context before any compute.
  const encoded = rows.map((r) => {
    const conversation = rowToExample(r.value, args.data, r.line, false).conversation;
    const prompt = encodePrompt(folder, conversation);
    checkVocabulary(prompt.ids, folder.config.vocab_size, args.data, r.line);
    return {
      ids: prompt.ids,
      suffix: () => promptSuffixLength(folder, conversation, prompt.text, prompt.ids),
      place: { file: args.data, line: r.line },
    };
  });
  const fit = fitGeneration(
    encoded,
    contextLimit(folder.config, args.max_length),
    maxNew,
    args.on_overlong ?? DEFAULT_OVERLONG_POLICY,
  );
  for (const w of fit.report.warnings) log(`iopo generate: warning: ${w}`);
  const summary = describeFit(fit.report);
  if (summary) log(`iopo generate: ${summary}`);
  const kept = rows.map((_, i) => i).filter((i) => fit.prompts[i] !== undefined);
  const prompts = fit.prompts;
  const weights = folder.checkpoint!.weights;
  const generated: Int32Array[] = new Array(rows.length);
  if (kept.length > 0) {
    const generator = args.generator ?? (await createTextGenerator(folder.config, weights, args.reference === true));
    const options = {
      max_new_tokens: maxNew,
      temperature: args.temperature ?? 0,
      top_p: args.top_p ?? 1,
      seed: args.seed ?? 0,
      eos_token_ids: folder.eosTokenIds,
    };
    // Batches of similar prompt length; each batch gets its own seed offset so results do not depend on batching
    // order for greedy decoding, and are reproducible for sampling. A row whose prompt leaves less room than
    // max_new_tokens stops at the model's limit (its output is cut there; rows do not depend on batch companions).
    const batchSize = args.batch_size ?? 16;
    const order = kept.sort((a, b) => prompts[a]!.length - prompts[b]!.length || a - b);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const out = await generator.generate(
        batch.map((i) => prompts[i]!),
        { ...options, max_new_tokens: Math.max(...batch.map((i) => fit.maxNewTokens[i])), seed: options.seed + start },
      );
      batch.forEach((i, k) => {
        generated[i] = out[k].subarray(0, fit.maxNewTokens[i]);
      });
      log(`iopo generate: ${Math.min(start + batchSize, order.length)}/${order.length}`);
    }
  }
  const out = rows.flatMap((r, i) =>
    generated[i] === undefined
      ? []
      : [
          {
            ...(r.value as Record<string, unknown>),
            response: folder.tokenizer.decode(generated[i], true),
            token_ids: Array.from(generated[i]),
          },
        ],
  );
  if (args.output) writeJsonl(args.output, out);
  return out;
}
