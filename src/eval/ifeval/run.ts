import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DataError } from "../../data/errors.js";
import { type CreateChatModelOptions, createChatModel } from "../../llm/create-chat-model.js";
import type { OverlongPolicy } from "../../model/context-fit.js";
import { sha256 } from "../../util/hash.js";
import {
  BUNDLED_INPUT_DATA,
  type LocatedPrompt,
  matchResponses,
  type ResponseRow,
  readPrompts,
  readResponses,
} from "./data.js";
import { generateResponses, pendingPrompts } from "./generate.js";
import { generateLocally } from "./generate-local.js";
import { buildMetrics, type IfevalScores, scoreResponses, writeOutputs } from "./score.js";

/** What `iopo eval ifeval` runs: score a responses file, generating the missing responses first when given a model. */
export interface IfevalRunOptions {
  /** Responses to score (JSONL); with generation, where to save them (default: outputDir/responses.jsonl). */
  responses?: string;
  /** IFEval prompts with instruction ids and kwargs (default: the bundled 541 prompts). */
  inputData?: string;
  /** Where to write the result files (default "ifeval-results"). */
  outputDir?: string;
  /** Print metrics.json instead of the table. */
  json?: boolean;
  langdetectSeed?: number;
  /** A Hugging Face model folder (in-process generation) or, with an endpoint, the served model's name. */
  model?: string;
  /** OpenAI-compatible endpoint to generate with (default for a model name that is no folder: $OPENAI_BASE_URL). */
  baseUrl?: string;
  maxNewTokens?: number;
  /** In-process generation: prompts decoded together. */
  batchSize?: number;
  /** In-process generation: token limit per prompt + response (default: the model's max_position_embeddings). */
  maxLength?: number;
  /** In-process generation: a prompt over the limit is skipped (default; reported missing), truncated or an error. */
  onOverlong?: OverlongPolicy;
  /** Only the prompts with these keys (in data order); unknown keys are an error. */
  ids?: readonly number[];
  /** Only the first `limit` prompts (of the data, or of `ids`), in data order. */
  limit?: number;
  /** Endpoint generation: the client stack's settings (concurrency, retries, cache, budget, dry run...). */
  llm?: Omit<CreateChatModelOptions, "model" | "baseUrl" | "env">;
  /** Environment for defaults such as OPENAI_BASE_URL and OPENAI_API_KEY (tests). */
  env?: NodeJS.ProcessEnv;
  /** In-process generation: called after each response (prompts answered so far, reused ones included). */
  onProgress?: (done: number, total: number) => void;
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
  options: IfevalRunOptions & { model: string },
  baseUrl: string,
  prompts: readonly LocatedPrompt[],
  responsesFile: string,
  io: Output,
): Promise<Record<string, unknown> | undefined> {
  const maxTokens = options.maxNewTokens ?? 1280;
  const env = options.env ?? process.env;
  const llm = createChatModel({ ...options.llm, model: options.model, baseUrl, env });
  if (!options.llm?.dryRun) {
    const source = options.baseUrl !== undefined ? "--base-url" : "$OPENAI_BASE_URL";
    const limit = llm.promptLimit;
    const guard =
      limit && limit.tokens > 0 ? `; prompts over ${limit.tokens} tokens are not sent (${limit.source})` : "";
    io.err(`iopo: model ${options.model} -> ${llm.endpoint} (from ${source})${guard}\n`);
  }
  try {
    if (options.llm?.dryRun) {
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
      concurrency: options.llm?.concurrency ?? 8,
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

/** The prompts an evaluation covers: those with one of `ids` (keys), then the first `limit`; in data order. */
export function selectPrompts(
  prompts: readonly LocatedPrompt[],
  select: { ids?: readonly number[]; limit?: number },
): LocatedPrompt[] {
  let out = [...prompts];
  if (select.ids !== undefined) {
    const want = new Set(select.ids);
    const known = new Set(prompts.map((p) => p.key));
    const missing = [...want].filter((k) => !known.has(k));
    if (missing.length > 0)
      throw new DataError(
        prompts[0]?.file ?? "<prompts>",
        undefined,
        "key",
        `--ids: no prompt with key ${missing.slice(0, 5).join(", ")}`,
      );
    out = out.filter((p) => p.key !== undefined && want.has(p.key));
  }
  if (select.limit !== undefined) out = out.slice(0, select.limit);
  return out;
}

/**
 * Why these options cannot run, in the command's words (an endpoint without a model name, a model name that is
 * neither a model folder nor servable for lack of an endpoint, nothing to score), or undefined when they can.
 */
export function ifevalOptionsProblem(options: IfevalRunOptions): string | undefined {
  const env = options.env ?? process.env;
  if (options.model === undefined) {
    if (options.baseUrl !== undefined) return "--base-url needs --model NAME (the served model's name)";
    if (options.responses === undefined)
      return "give --responses FILE, or --base-url URL --model NAME (or --model-dir DIR) to generate the responses first";
    return undefined;
  }
  if (!isModelFolder(options.model) && (options.baseUrl ?? env.OPENAI_BASE_URL) === undefined)
    return `--model ${options.model}: no model folder there, and no endpoint (--base-url URL or $OPENAI_BASE_URL)`;
  return undefined;
}

function isModelFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * `iopo eval ifeval`: optionally generate responses (in-process from a model folder, or through an endpoint), then
 * score them strict and loose, write the result files and print the table (or metrics.json with `json`). Returns
 * undefined after a dry run.
 */
export async function evalIfeval(options: IfevalRunOptions, io: Output = stdio): Promise<IfevalScores | undefined> {
  const problem = ifevalOptionsProblem(options);
  if (problem !== undefined) throw new Error(problem);
  const inputData = options.inputData ?? BUNDLED_INPUT_DATA;
  const outputDir = options.outputDir ?? "ifeval-results";
  const context = { langdetectSeed: options.langdetectSeed ?? 0 };
  const env = options.env ?? process.env;
  let responsesFile = options.responses;
  let generation: Record<string, unknown> | undefined;
  const allPrompts = readPrompts(inputData);
  const selecting = options.ids !== undefined || options.limit !== undefined;
  const prompts = selecting ? selectPrompts(allPrompts, options) : allPrompts;

  if (options.model !== undefined) {
    responsesFile ??= join(outputDir, "responses.jsonl");
    // A model folder without an explicit endpoint means in-process generation (even if $OPENAI_BASE_URL is set).
    if (isModelFolder(options.model) && options.baseUrl === undefined) {
      const maxNewTokens = options.maxNewTokens ?? 1280;
      const { generated, reused, skipped } = await generateLocally(prompts, options.model, responsesFile, {
        maxNewTokens,
        batchSize: options.batchSize ?? 16,
        maxLength: options.maxLength,
        onOverlong: options.onOverlong,
        onWarning: (line) => io.err(`iopo eval ifeval: ${line}\n`),
        onResponse: (done, total) => {
          options.onProgress?.(done, total);
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
        skipped_overlong: skipped,
      };
    } else {
      const baseUrl = (options.baseUrl ?? env.OPENAI_BASE_URL)!;
      generation = await generate({ ...options, model: options.model }, baseUrl, prompts, responsesFile, io);
      if (generation === undefined) return undefined;
    }
  }
  if (responsesFile === undefined) throw new Error("no responses file");

  // With a selection, responses to the other prompts of the data are left out (not "unmatched").
  const selected = new Set<LocatedPrompt>(prompts);
  const outside = selecting ? allPrompts.filter((p) => !selected.has(p)) : [];
  const outsideText = new Set(outside.map((p) => p.prompt));
  const outsideKey = new Set(outside.map((p) => p.key));
  const selectedText = new Set(prompts.map((p) => p.prompt));
  const isOutside = (r: ResponseRow) =>
    r.prompt !== undefined && selectedText.has(r.prompt)
      ? false
      : (r.prompt !== undefined && outsideText.has(r.prompt)) || (r.key !== undefined && outsideKey.has(r.key));
  const allResponses = readResponses(responsesFile);
  const responses = allResponses.filter((r) => !isOutside(r));
  const matching = matchResponses(prompts, responses);
  if (matching.matched.length === 0)
    throw new DataError(
      responsesFile,
      undefined,
      undefined,
      `no response matches a prompt of ${inputData} (by prompt text or key), and none carries its own ` +
        "instruction_id_list and kwargs",
    );
  const { strict, loose } = scoreResponses(matching.matched, context);
  const metrics = buildMetrics(matching, strict, loose, context);
  metrics.input_data = { file: resolve(inputData), sha256: sha256(readFileSync(inputData)) };
  metrics.responses = { file: resolve(responsesFile), sha256: sha256(readFileSync(responsesFile)) };
  if (generation) metrics.generation = generation;
  if (selecting)
    metrics.selection = {
      ids: options.ids ? [...options.ids] : null,
      limit: options.limit ?? null,
      prompts: prompts.length,
      of: allPrompts.length,
      responses_outside: allResponses.length - responses.length,
    };
  const scores: IfevalScores = { strict, loose, metrics };
  const files = writeOutputs(resolve(outputDir), scores);
  if (options.json) io.out(`${JSON.stringify(scores.metrics, null, 2)}\n`);
  else report(scores, files, io);
  return scores;
}
