import { existsSync } from "node:fs";
import { JsonlJournal, readJournal, writeJsonl } from "../../data/jsonl.js";
import type { ChatModel } from "../../llm/types.js";
import type { IfevalPrompt } from "./evaluate.js";

export interface GenerationOptions {
  /** Completion token limit per response. */
  maxTokens: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Called after each response is saved. */
  onResponse?: (done: number, total: number) => void;
}

/** A generated response as saved: the responses-file format plus provenance. */
export interface GeneratedRow {
  key?: number;
  prompt: string;
  response: string;
  model: string;
  finish_reason?: string;
  prompt_tokens: number;
  completion_tokens: number;
}

function answered(file: string): Map<string, GeneratedRow> {
  const done = new Map<string, GeneratedRow>();
  if (existsSync(file)) for (const row of readJournal<GeneratedRow>(file)) done.set(row.prompt, row);
  return done;
}

/** Prompts not yet answered in `file` (a previous, possibly interrupted, generation run). */
export function pendingPrompts(prompts: readonly IfevalPrompt[], file: string): IfevalPrompt[] {
  const done = answered(file);
  return prompts.filter((p) => !done.has(p.prompt));
}

/**
 * Run `produce`, which calls `append` once per new response: each row is appended to `file` and fsynced at once,
 * so an interrupted run keeps what it had (a torn last line is ignored when resuming). When `produce` finishes,
 * the file is rewritten with one row per prompt, in prompt order. If it throws, the journal is kept as it is.
 */
export async function saveResponses(
  prompts: readonly IfevalPrompt[],
  file: string,
  produce: (append: (row: GeneratedRow) => void) => Promise<void>,
): Promise<void> {
  const done = answered(file);
  const journal = new JsonlJournal(file);
  try {
    await produce((row) => {
      journal.append(row);
      done.set(row.prompt, row);
    });
  } finally {
    journal.close();
  }
  // One row per prompt in prompt order; prompts without a response (left out by the length check) are not written
  // (scoring reports them as missing); rows of prompts outside this run (another --limit/--ids) are kept after them.
  const asked = new Set(prompts.map((p) => p.prompt));
  writeJsonl(file, [
    ...prompts.flatMap((p) => (done.has(p.prompt) ? [done.get(p.prompt)!] : [])),
    ...[...done.values()].filter((r) => !asked.has(r.prompt)),
  ]);
}

/**
 * Generate one greedy response (temperature 0) per prompt through a chat model, the prompt sent as a single user
 * message, `concurrency` requests at a time. Prompts already answered in `file` are not asked again.
 */
export async function generateResponses(
  prompts: readonly IfevalPrompt[],
  model: ChatModel,
  file: string,
  options: GenerationOptions,
): Promise<{ generated: number; reused: number }> {
  const todo = pendingPrompts(prompts, file);
  const reused = prompts.length - todo.length;
  await saveResponses(prompts, file, async (append) => {
    let next = 0;
    let finished = reused;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined && next < todo.length) {
        const p = todo[next++];
        try {
          const reply = await model.chat(
            { messages: [{ role: "user", content: p.prompt }], temperature: 0, max_tokens: options.maxTokens },
            { stage: "ifeval" },
          );
          append({
            key: p.key,
            prompt: p.prompt,
            response: reply.text,
            model: reply.model,
            finish_reason: reply.finish_reason,
            prompt_tokens: reply.usage.prompt_tokens,
            completion_tokens: reply.usage.completion_tokens,
          });
          options.onResponse?.(++finished, prompts.length);
        } catch (error) {
          // Stop handing out work; responses already saved stay in the journal for the next run.
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker));
    if (failure) throw failure.error;
  });
  return { generated: todo.length, reused };
}
