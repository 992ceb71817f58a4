import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { BUNDLED_INPUT_DATA, matchResponses, readPrompts, readResponses } from "../eval/ifeval/data.js";
import { generateResponses, pendingPrompts } from "../eval/ifeval/generate.js";
import { generateLocally } from "../eval/ifeval/generate-local.js";
import { buildMetrics, DEVIATIONS, type IfevalScores, scoreResponses, writeOutputs } from "../eval/ifeval/score.js";
import { createChatModel } from "../llm/create-chat-model.js";
import { sha256 } from "../util/hash.js";
import { addLlmOptions, chatModelOptionsFromCli, type LlmCliValues } from "./llm-options.js";
import { intOption, UsageError } from "./options.js";

export interface EvalIfevalOptions extends LlmCliValues {
  responses?: string;
  inputData?: string;
  outputDir?: string;
  json?: boolean;
  langdetectSeed?: number;
  /** A Hugging Face model folder (in-process generation) or, with an endpoint, the served model's name. */
  model?: string;
  /** OpenAI-compatible base URL; same as `baseUrl` (--base-url). */
  endpoint?: string;
  maxNewTokens?: number;
  /** In-process generation: prompts decoded together. */
  batchSize?: number;
  /** Environment for defaults such as OPENAI_BASE_URL and OPENAI_API_KEY (tests). */
  env?: NodeJS.ProcessEnv;
}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const pct = (x: number) => (100 * x).toFixed(2).padStart(6);

function report(scores: IfevalScores, files: string[], io: Output): void {
  const m = scores.metrics;
  io.out(`IFEval: ${m.num_responses} responses, ${m.num_instructions} instructions\n\n`);
  for (const name of [
    "prompt_level_strict_acc",
    "inst_level_strict_acc",
    "prompt_level_loose_acc",
    "inst_level_loose_acc",
  ] as const)
    io.out(`${name.padEnd(24)} ${m[name].toFixed(4)}  (${pct(m[name]).trim()}%)\n`);
  io.out(`\n${"instruction id".padEnd(46)} ${"n".padStart(4)} ${"strict".padStart(7)} ${"loose".padStart(7)}\n`);
  for (const [id, s] of Object.entries(m.strict.per_instruction)) {
    const l = m.loose.per_instruction[id];
    io.out(`${id.padEnd(46)} ${String(s.total).padStart(4)} ${pct(s.accuracy)}% ${pct(l.accuracy)}%\n`);
  }
  io.out(`\n${"instruction group".padEnd(46)} ${"n".padStart(4)} ${"strict".padStart(7)} ${"loose".padStart(7)}\n`);
  for (const [group, s] of Object.entries(m.strict.per_group)) {
    const l = m.loose.per_group[group];
    io.out(`${group.padEnd(46)} ${String(s.total).padStart(4)} ${pct(s.accuracy)}% ${pct(l.accuracy)}%\n`);
  }
  if (m.missing_responses.length)
    io.err(
      `warning: ${m.missing_responses.length} prompt(s) have no response and are not scored (keys: ` +
        `${m.missing_responses.map((p) => p.key ?? "?").join(", ")})\n`,
    );
  if (m.unmatched_responses.length)
    io.err(
      `warning: ${m.unmatched_responses.length} response(s) match no prompt of the input data and are not scored ` +
        `(lines: ${m.unmatched_responses.map((r) => r.line).join(", ")})\n`,
    );
  if (m.duplicate_responses.length)
    io.err(
      `warning: ${m.duplicate_responses.length} response(s) answer a prompt already answered (all scored; lines: ` +
        `${m.duplicate_responses.map((r) => r.line).join(", ")})\n`,
    );
  if (m.matched_by_key) io.err(`note: ${m.matched_by_key} response(s) matched by key (prompt text not found)\n`);
  io.out(`\nwrote ${files.join(", ")}\n`);
}

/**
 * Generate the missing responses through an OpenAI-compatible endpoint (the project's LLM stack: scheduler with
 * retries, response cache, usage accounting), appending them to `responsesFile`. Returns the generation record for
 * metrics.json, or undefined for a dry run (which only reports the requests it would send).
 */
async function generate(
  options: EvalIfevalOptions & { model: string },
  baseUrl: string,
  inputData: string,
  responsesFile: string,
  io: Output,
): Promise<Record<string, unknown> | undefined> {
  const prompts = readPrompts(inputData);
  const maxTokens = options.maxNewTokens ?? 1280;
  const env = options.env ?? process.env;
  const llm = createChatModel({ ...chatModelOptionsFromCli(options, options.model), baseUrl, env });
  try {
    if (options.dryRun) {
      const todo = pendingPrompts(prompts, responsesFile);
      for (const p of todo)
        await llm.chat({ messages: [{ role: "user", content: p.prompt }], temperature: 0, max_tokens: maxTokens });
      io.out(
        `dry run: ${todo.length} chat request(s) would be sent to ${baseUrl} (model ${options.model}, temperature 0, ` +
          `max_tokens ${maxTokens}); ${prompts.length - todo.length} already answered in ${responsesFile}\n`,
      );
      if (todo.length) io.out(`first request: ${JSON.stringify(llm.dryRun?.requests[0]?.request)}\n`);
      return undefined;
    }
    const { generated, reused } = await generateResponses(prompts, llm, responsesFile, {
      maxTokens,
      concurrency: options.concurrency ?? 8,
      onResponse: (done, total) => {
        if (done % 25 === 0 || done === total) io.err(`generated ${done}/${total}\n`);
      },
    });
    const stats = llm.stats();
    io.err(
      `responses: ${generated} generated, ${reused} reused from ${responsesFile}; ${stats.scheduler.calls} call(s), ` +
        `${stats.scheduler.retries} retries, ${stats.cache.hits} cache hit(s)\n`,
    );
    return {
      model: options.model,
      base_url: baseUrl,
      temperature: 0,
      max_new_tokens: maxTokens,
      generated,
      reused,
      usage: stats.usage,
      scheduler: stats.scheduler,
      cache: stats.cache,
    };
  } finally {
    llm.close();
  }
}

/** `iopo eval ifeval`: optionally generate responses, then score them strict and loose and write the result files. */
export async function evalIfeval(options: EvalIfevalOptions, io: Output = stdio): Promise<IfevalScores | undefined> {
  const inputData = options.inputData ?? BUNDLED_INPUT_DATA;
  const outputDir = options.outputDir ?? "ifeval-results";
  const context = { langdetectSeed: options.langdetectSeed ?? 0 };
  const env = options.env ?? process.env;
  const explicitUrl = options.endpoint ?? options.baseUrl;
  const baseUrl = explicitUrl ?? env.OPENAI_BASE_URL;
  let responsesFile = options.responses;
  let generation: Record<string, unknown> | undefined;

  if (options.model === undefined && explicitUrl !== undefined)
    throw new UsageError("--endpoint needs --model NAME (the served model's name)");
  if (options.model !== undefined) {
    // A model folder without an explicit endpoint means in-process generation (even if $OPENAI_BASE_URL is set).
    const isDir = statSync(options.model, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (isDir && explicitUrl === undefined) {
      responsesFile ??= join(outputDir, "responses.jsonl");
      const maxNewTokens = options.maxNewTokens ?? 1280;
      const { generated, reused } = await generateLocally(readPrompts(inputData), options.model, responsesFile, {
        maxNewTokens,
        batchSize: options.batchSize ?? 16,
        onResponse: (done, total) => {
          if (done % 25 === 0 || done === total) io.err(`generated ${done}/${total}\n`);
        },
      });
      io.err(`responses: ${generated} generated, ${reused} reused from ${responsesFile}\n`);
      generation = {
        model: resolve(options.model),
        engine: "in-process",
        temperature: 0,
        max_new_tokens: maxNewTokens,
        generated,
        reused,
      };
    } else {
      if (baseUrl === undefined)
        throw new UsageError(
          `--model ${options.model}: no model folder there, and no endpoint (--endpoint URL or $OPENAI_BASE_URL)`,
        );
      responsesFile ??= join(outputDir, "responses.jsonl");
      generation = await generate({ ...options, model: options.model }, baseUrl, inputData, responsesFile, io);
      if (generation === undefined) return undefined;
    }
  }
  if (responsesFile === undefined)
    throw new UsageError("give --responses FILE, or --endpoint URL --model NAME to generate the responses first");

  const prompts = readPrompts(inputData);
  const responses = readResponses(responsesFile);
  const matching = matchResponses(prompts, responses);
  if (matching.matched.length === 0)
    throw new UsageError(
      `no response in ${responsesFile} matches a prompt of ${inputData} (by prompt text or key), and none carries ` +
        "its own instruction_id_list and kwargs",
    );
  const { strict, loose } = scoreResponses(matching.matched, context);
  const metrics = buildMetrics(matching, strict, loose, context);
  metrics.input_data = { file: resolve(inputData), sha256: sha256(readFileSync(inputData)) };
  metrics.responses = { file: resolve(responsesFile), sha256: sha256(readFileSync(responsesFile)) };
  if (generation) metrics.generation = generation;
  const scores: IfevalScores = { strict, loose, metrics };
  const files = writeOutputs(resolve(outputDir), scores);
  if (options.json) io.out(`${JSON.stringify(scores.metrics, null, 2)}\n`);
  else report(scores, files, io);
  return scores;
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
  // The flags every model-calling command shares: --base-url, --model, --concurrency, retries, cache, budget, dry run.
  addLlmOptions(cmd)
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: EvalIfevalOptions) => {
      await evalIfeval(opts);
    });
}
