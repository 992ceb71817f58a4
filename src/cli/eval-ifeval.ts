import { join } from "node:path";
import type { Command } from "commander";
import { evalIfeval, ifevalOptionsProblem } from "../eval/ifeval/run.js";
import { DEVIATIONS } from "../eval/ifeval/score.js";
import { addHiddenAlias, addHiddenAliases } from "./aliases.js";
import { addContextOptions, type ContextFlags } from "./context-options.js";
import { addLlmOptions, clientOptionsFromCli, type LlmCliValues } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";
import {
  addForceUnlockOption,
  addOverwriteOption,
  inRunFolder,
  type RunFolderFlags,
  refuseFinishedRun,
  sayResumingResponses,
} from "./run-folder.js";

interface EvalIfevalFlags extends LlmCliValues, RunFolderFlags, ContextFlags {
  overwrite?: boolean;
  responses?: string;
  data?: string;
  outputDir: string;
  json?: boolean;
  langdetectSeed: number;
  modelDir?: string;
  maxTokens: number;
  batchSize: number;
  limit?: number;
  ids?: string;
}

/** Wrap a paragraph at `width` columns: the first line starts with `prefix`, the others with `indent`. */
function wrap(prefix: string, text: string, width: number, indent: string): string {
  const [first, ...rest] = text.split(" ");
  const lines: string[] = [];
  let line = prefix + first;
  for (const word of rest) {
    if (line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line += ` ${word}`;
  }
  return [...lines, line].join("\n");
}

const HELP_AFTER = `
Responses file (JSONL), one object per line:
  {"prompt": "...", "response": "..."}     matched by exact prompt text, as the reference does
  {"key": 1000, "response": "..."}         matched by key ("text" is read as "response": iopo generate's rows work)
  A row may also carry its own "instruction_id_list" and "kwargs", which then take precedence over --data.
  lm-evaluation-harness sample logs ({"doc": {...}, "filtered_resps": [...]}) are read as well.
Prompts with no response, and responses that match no prompt, are reported (stderr and metrics.json), not scored.

Output files in --output-dir:
  eval_results_strict.jsonl, eval_results_loose.jsonl   one line per scored response, in input order, in the
      reference's format (follow_all_instructions, follow_instruction_list, instruction_id_list, prompt, response)
  metrics.json   prompt_level_strict_acc, inst_level_strict_acc, prompt_level_loose_acc, inst_level_loose_acc,
      per-instruction-id and per-group accuracy, missing/unmatched responses, deviations
  responses.jsonl   (when generating, unless --responses names the file) the generated responses

Generation (--base-url URL --model NAME, or $OPENAI_BASE_URL): each prompt is sent as one user message, greedy
(temperature 0), through the shared LLM stack (concurrency, retries with backoff, response cache, usage counters in
metrics.json); the API key comes from $OPENAI_API_KEY (or --api-key-env). Responses are saved as they arrive, so a
rerun only asks for the missing ones. --model-dir DIR (or --model DIR without an endpoint) generates in-process
instead: the model folder's own chat template (one user turn, generation prompt added), greedy, stopping at its EOS
tokens, --batch-size prompts decoded together. --limit / --ids restrict generation and scoring to those prompts;
responses to other prompts are left out (counted in metrics.json selection.responses_outside).

Strict: the instruction holds on the response itself (an empty response fails everything). Loose: it holds on
one of 8 variants (first/last line removed, "*" removed), as in the reference.

Deliberate deviations from the reference implementation:
${DEVIATIONS.map((d) => wrap("  - ", d, 116, "    ")).join("\n")}
`;

export function register(program: Command): void {
  const evalGroup =
    program.commands.find((c) => c.name() === "eval") ??
    program.command("eval").description("evaluate models and responses (IFEval, TRACE, CFBench, ComplexBench)");
  const cmd = evalGroup
    .command("ifeval")
    .description(
      "score responses on IFEval (strict and loose, prompt and instruction level), optionally generating them",
    )
    .option(
      "--responses <file>",
      "responses to score (JSONL of {prompt|key, response}); with generation, where to save them",
    )
    .option("--data <file>", "IFEval prompts with instruction ids and kwargs (default: the bundled 541 prompts)")
    .option("--output-dir <dir>", "where to write the result files", "ifeval-results")
    .option("--json", "print metrics.json to stdout instead of the table")
    .option("--langdetect-seed <n>", "seed of the language detector", intOption({ min: 0 }), 0)
    .option("--limit <n>", "evaluate only the first n prompts (of the data, or of --ids)", intOption({ min: 1 }))
    .option("--ids <keys>", "evaluate only the prompts with these comma-separated keys")
    .option("--model-dir <dir>", "generate the responses first in-process from a local Hugging Face model folder")
    .option("--max-tokens <n>", "generation length: max new tokens per generated response", intOption({ min: 1 }), 1280)
    .option("--batch-size <n>", "with --model-dir: prompts decoded together", intOption({ min: 1 }), 16);
  addContextOptions(cmd, {
    maxLength: "with --model-dir: token limit per prompt + response (default and upper bound: max_position_embeddings)",
    onOverlong:
      "with --model-dir, a prompt with no room left to generate: skip (reported as a missing response), " +
      "truncate (keep_start, assistant header kept) or error",
  });
  addForceUnlockOption(addOverwriteOption(cmd));
  addHiddenAlias(cmd, "--input-data <file>", "data");
  addHiddenAliases(cmd, "maxTokens", "--max-new-tokens <n>", "--max_new_tokens <n>");
  addHiddenAlias(cmd, "--batch_size <n>", "batchSize");
  // The flags every model-calling command shares: --base-url, --model, --concurrency, retries, cache, budget, dry run.
  addLlmOptions(cmd);
  addHiddenAlias(cmd, "--endpoint <url>", "baseUrl");
  cmd.addHelpText("after", HELP_AFTER).action(async (opts: EvalIfevalFlags) => {
    if (opts.modelDir && opts.model) throw new UsageError("give --model NAME (endpoint) or --model-dir DIR, not both");
    const options = {
      responses: opts.responses,
      inputData: opts.data,
      outputDir: opts.outputDir,
      json: opts.json,
      langdetectSeed: opts.langdetectSeed,
      model: opts.modelDir ?? opts.model,
      baseUrl: opts.modelDir ? undefined : opts.baseUrl,
      maxNewTokens: opts.maxTokens,
      batchSize: opts.batchSize,
      maxLength: opts.maxLength,
      onOverlong: opts.onOverlong,
      ids: opts.ids === undefined ? undefined : parseKeys(opts.ids),
      limit: opts.limit,
      llm: clientOptionsFromCli(opts),
    };
    const problem = ifevalOptionsProblem(options);
    if (problem !== undefined) throw new UsageError(problem);
    await inRunFolder(opts.outputDir, opts, async () => {
      if (!opts.dryRun) refuseFinishedRun(opts.outputDir, "metrics.json", opts.overwrite);
      // generation appends to the responses file and asks only for the prompts it lacks
      if (options.model !== undefined) sayResumingResponses(opts.responses ?? join(opts.outputDir, "responses.jsonl"));
      await evalIfeval(options);
    });
  });
}

/** `--ids 1000,1001` -> [1000, 1001]; anything else is a usage error. */
function parseKeys(list: string): number[] {
  return list.split(",").map((s) => {
    const t = s.trim();
    if (!/^-?\d+$/.test(t)) throw new UsageError(`--ids: "${t}" is not a prompt key (an integer)`);
    return Number(t);
  });
}
