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

/** Prompts not yet answered in `file` (a previous, possibly interrupted, generation run). */
export function pendingPrompts(prompts: readonly IfevalPrompt[], file: string): IfevalPrompt[] {
  const done = new Set(existsSync(file) ? readJournal<GeneratedRow>(file).map((r) => r.prompt) : []);
  return prompts.filter((p) => !done.has(p.prompt));
}

/**
 * Generate one greedy response (temperature 0) per prompt, the prompt sent as a single user message. Every response
 * is appended to `file` as soon as it arrives, so an interrupted run resumes where it stopped: prompts already
 * answered in `file` are not asked again. When all are done the file is rewritten in prompt order.
 */
export async function generateResponses(
  prompts: readonly IfevalPrompt[],
  model: ChatModel,
  file: string,
  options: GenerationOptions,
): Promise<{ generated: number; reused: number }> {
  const done = new Map<string, GeneratedRow>();
  if (existsSync(file)) for (const row of readJournal<GeneratedRow>(file)) done.set(row.prompt, row);
  const todo = prompts.filter((p) => !done.has(p.prompt));
  const reused = prompts.length - todo.length;
  const journal = new JsonlJournal(file);
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
        const row: GeneratedRow = {
          key: p.key,
          prompt: p.prompt,
          response: reply.text,
          model: reply.model,
          finish_reason: reply.finish_reason,
          prompt_tokens: reply.usage.prompt_tokens,
          completion_tokens: reply.usage.completion_tokens,
        };
        journal.append(row);
        done.set(p.prompt, row);
        options.onResponse?.(++finished, prompts.length);
      } catch (error) {
        // Stop handing out work; responses already saved stay in the journal for the next run.
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker));
  journal.close();
  if (failure) throw failure.error;
  writeJsonl(
    file,
    prompts.map((p) => done.get(p.prompt)!),
  );
  return { generated: todo.length, reused };
}
