import { readJsonOrJsonl, writeJsonl } from "../data/jsonl.js";
import { checkVocabulary, encodePrompt, rowToExample } from "./chat-encoding.js";
import { createTextGenerator, type TextGenerator } from "./engine-loader.js";
import { loadModelFolder } from "./model-folder.js";

export interface GenerateArgs {
  model: string;
  data: string;
  output?: string;
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  batch_size?: number;
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
 * the rows are matched to their records.
 */
export async function runGenerate(args: GenerateArgs): Promise<Record<string, unknown>[]> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const folder = loadModelFolder(args.model);
  const rows = readJsonOrJsonl(args.data);
  const prompts = rows.map((r) => {
    const ids = encodePrompt(folder, rowToExample(r.value, args.data, r.line, false).conversation).ids;
    checkVocabulary(ids, folder.config.vocab_size, args.data, r.line);
    return ids;
  });
  const weights = folder.checkpoint!.weights;
  const generator = args.generator ?? (await createTextGenerator(folder.config, weights, args.reference === true));
  const options = {
    max_new_tokens: args.max_new_tokens ?? 256,
    temperature: args.temperature ?? 0,
    top_p: args.top_p ?? 1,
    seed: args.seed ?? 0,
    eos_token_ids: folder.eosTokenIds,
  };
  // Batches of similar prompt length; each batch gets its own seed offset so results do not depend on batching
  // order for greedy decoding, and are reproducible for sampling.
  const batchSize = args.batch_size ?? 16;
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length || a - b);
  const generated: Int32Array[] = new Array(rows.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    const out = await generator.generate(
      batch.map((i) => prompts[i]),
      { ...options, seed: options.seed + start },
    );
    batch.forEach((i, k) => {
      generated[i] = out[k];
    });
    log(`iopo generate: ${Math.min(start + batchSize, rows.length)}/${rows.length}`);
  }
  const out = rows.map((r, i) => ({
    ...(r.value as Record<string, unknown>),
    response: folder.tokenizer.decode(generated[i], true),
    token_ids: Array.from(generated[i]),
  }));
  if (args.output) writeJsonl(args.output, out);
  return out;
}
