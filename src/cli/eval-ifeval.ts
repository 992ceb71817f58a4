import { join } from "node:path";
import { type Command, Option } from "commander";
import { evalIfeval, ifevalOptionsProblem } from "../eval/ifeval/run.js";
import { DEVIATIONS } from "../eval/ifeval/score.js";
import { DEFAULT_OVERLONG_POLICY, OVERLONG_POLICIES, type OverlongPolicy } from "../model/context-fit.js";
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

interface EvalIfevalFlags extends LlmCliValues, RunFolderFlags {
  overwrite?: boolean;
  responses?: string;
  inputData?: string;
  outputDir: string;
  json?: boolean;
  langdetectSeed: number;
  /** --endpoint: the same as --base-url. */
  endpoint?: string;
  maxNewTokens: number;
  batchSize: number;
  maxLength?: number;
  onOverlong: OverlongPolicy;
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
  {"key": 1000, "response": "..."}         matched by key
  A row may also carry its own "instruction_id_list" and "kwargs", which then take precedence over --input-data.
  lm-evaluation-harness sample logs ({"doc": {...}, "filtered_resps": [...]}) are read as well.
Prompts with no response, and responses that match no prompt, are reported (stderr and metrics.json), not scored.

Output files in --output-dir:
  eval_results_strict.jsonl, eval_results_loose.jsonl   one line per scored response, in input order, in the
      reference's format (follow_all_instructions, follow_instruction_list, instruction_id_list, prompt, response)
  metrics.json   prompt_level_strict_acc, inst_level_strict_acc, prompt_level_loose_acc, inst_level_loose_acc,
      per-instruction-id and per-group accuracy, missing/unmatched responses, deviations
  responses.jsonl   (when generating, unless --responses names the file) the generated responses

Generation (--endpoint URL --model NAME, or $OPENAI_BASE_URL): each prompt is sent as one user message, greedy
(temperature 0), through the shared LLM stack (concurrency, retries with backoff, response cache, usage counters in
metrics.json); the API key comes from $OPENAI_API_KEY. Responses are saved as they arrive, so a rerun only asks for
the missing ones. --model DIR without an endpoint generates in-process instead: the model folder's own chat template
(one user turn, generation prompt added), greedy, stopping at its EOS tokens, --batch_size prompts decoded together.

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
    .option("--input-data <file>", "IFEval prompts with instruction ids and kwargs (default: the bundled 541 prompts)")
    .option("--output-dir <dir>", "where to write the result files", "ifeval-results")
    .option("--json", "print metrics.json to stdout instead of the table")
    .option("--langdetect-seed <n>", "seed of the language detector", intOption({ min: 0 }), 0)
    .option("--endpoint <url>", "generate the responses first with this OpenAI-compatible server (same as --base-url)")
    .option(
      "--max_new_tokens, --max-new-tokens <n>",
      "completion token limit per generated response",
      intOption({ min: 1 }),
      1280,
    );
  cmd.option("--batch_size, --batch-size <n>", "with --model DIR: prompts decoded together", intOption({ min: 1 }), 16);
  cmd
    .option(
      "--max_length, --max-length <n>",
      "with --model DIR: token limit per prompt + response (default and upper bound: max_position_embeddings)",
      intOption({ min: 1 }),
    )
    .addOption(
      new Option(
        "--on_overlong, --on-overlong <policy>",
        "with --model DIR, a prompt with no room left to generate: skip (reported as a missing response), " +
          "truncate (keep_start, assistant header kept) or error",
      )
        .choices(OVERLONG_POLICIES)
        .default(DEFAULT_OVERLONG_POLICY),
    );
  addForceUnlockOption(addOverwriteOption(cmd));
  // The flags every model-calling command shares: --base-url, --model, --concurrency, retries, cache, budget, dry run.
  addLlmOptions(cmd)
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: EvalIfevalFlags) => {
      const options = {
        responses: opts.responses,
        inputData: opts.inputData,
        outputDir: opts.outputDir,
        json: opts.json,
        langdetectSeed: opts.langdetectSeed,
        model: opts.model,
        baseUrl: opts.endpoint ?? opts.baseUrl,
        maxNewTokens: opts.maxNewTokens,
        batchSize: opts.batchSize,
        maxLength: opts.maxLength,
        onOverlong: opts.onOverlong,
        llm: clientOptionsFromCli(opts),
      };
      const problem = ifevalOptionsProblem(options);
      if (problem !== undefined) throw new UsageError(problem);
      await inRunFolder(opts.outputDir, opts, async () => {
        if (!opts.dryRun) refuseFinishedRun(opts.outputDir, "metrics.json", opts.overwrite);
        // generation appends to the responses file and asks only for the prompts it lacks
        if (opts.model !== undefined) sayResumingResponses(opts.responses ?? join(opts.outputDir, "responses.jsonl"));
        await evalIfeval(options);
      });
    });
}
