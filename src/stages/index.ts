/**
 * `iopo/stages`: the generic stage runner the TRACE and pairs chains run on. A `Stage` turns a row into one chat
 * request and parses the reply into the next row, a reject or a parse failure; `runStages` runs a chain of them
 * with per-stage journals (an interrupted run resumes), rejects with reasons, atomic outputs and a summary; the
 * dry-run helpers render the prompts and estimate tokens and cost without calling anything.
 *
 * @example
 * import { createChatModel } from "iopo/llm";
 * import { formatSummary, type PipelineRow, runFolderFiles, runStages, type Stage } from "iopo/stages";
 *
 * interface Question extends PipelineRow { question: string }
 * const answer: Stage<Question, Question & { answer: string }> = {
 *   name: "answer",
 *   template: () => ({ name: "answer.en", text: "{{question}}" }),
 *   params: { temperature: 0, max_tokens: 256 },
 *   request: (row) => ({ messages: [{ role: "user", content: row.question }], temperature: 0, max_tokens: 256 }),
 *   parse: (text, row) =>
 *     text.trim() ? { kind: "ok", row: { ...row, answer: text } } : { kind: "parse_failure", detail: "empty reply" },
 * };
 * const model = createChatModel({ model: "qwen2-7b-instruct", baseUrl: "http://127.0.0.1:8000/v1" });
 * const rows: Question[] = [{ id: "q1", question: "Name three colours." }];
 * const summary = await runStages([{ stage: answer as Stage<PipelineRow, PipelineRow>, model }], rows,
 *   { outputDir: "runs/answers", model, ctx: { lang: "en", seed: 0 } }, runFolderFiles("runs/answers", "answers.jsonl"));
 * console.log(formatSummary(summary));
 * model.close();
 */
export * from "./dry-run.js";
export * from "./pipeline.js";
export * from "./run-files.js";
export type * from "./stage.js";
export * from "./stage-runner.js";
