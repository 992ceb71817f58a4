import type { ChatModel } from "../../llm/types.js";
import { mapPool } from "../../util/map-pool.js";
import { aggregateComplexbench, applyDependencies, type ComplexbenchMetrics, type PointVerdict } from "./aggregate.js";
import { decomposeJudge } from "./con-rule.js";
import { renderExtractionPrompt } from "./extraction-prompt.js";
import { COMPLEXBENCH_JUDGE_TEMPLATE_HASH, renderComplexbenchJudgePrompt } from "./judge-prompt.js";
import { type ComplexbenchParseMode, parseComplexbenchJudge } from "./parse-judge.js";
import { preprocessExtraction } from "./preprocess-extraction.js";
import { PythonCrash, pySlice } from "./python-text.js";
import type { ComplexbenchRecord } from "./record.js";

export type ComplexbenchLanguage = "zh" | "en";

export interface ComplexbenchRunOptions {
  records: readonly ComplexbenchRecord[];
  /** One response per record, aligned with `records` (null = missing, sent as "None" as upstream). */
  responses: readonly (string | null)[];
  judge: ChatModel;
  /** Upstream: 0 (gpt-4-1106-preview); top_p is built but never sent upstream. */
  temperature: number;
  top_p?: number;
  max_tokens?: number;
  parseMode: ComplexbenchParseMode;
  language: ComplexbenchLanguage;
  /** Extra judge calls when the judge returns an empty text (upstream retries empty generations). */
  reask: number;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PointResult {
  point_id: number;
  source: "llm" | "rule";
  verdict: PointVerdict;
  /** LLM path: the judge's text; rule path: the extractor's text (upstream `point_explanation` / `ass`). */
  raw: string;
  /** LLM path: the answer came from the "是 without 否" fallback rule. */
  fallback?: boolean;
  /** Rule path: the rule string, the extracted spans, and upstream's crash message if its code would raise. */
  rule?: string;
  spans?: string[];
  error?: string;
}

export interface ComplexbenchRecordResult {
  main_id: number;
  position: number;
  output: string | null;
  point_judges: PointVerdict[];
  point_judges_rely: PointVerdict[];
  points: PointResult[];
}

export interface ComplexbenchRunResult {
  records: ComplexbenchRecordResult[];
  metrics: ComplexbenchMetrics;
  summary: {
    parse_mode: ComplexbenchParseMode;
    language: ComplexbenchLanguage;
    judge_model: string;
    judge_temperature: number;
    judge_template_hash: string;
    llm_questions: number;
    rule_questions: number;
    llm_fallback_answers: number;
    rule_errors: number;
    rule_empty_extractions: number;
  };
}

function textsFor(record: ComplexbenchRecord, j: number, language: ComplexbenchLanguage) {
  const q = record.scoring_questions[j];
  if (language === "zh") return { instruction: record.instruction, question: q.question };
  if (record.instruction_en === undefined || q.question_en === undefined)
    throw new Error(`main_id ${record.main_id}: --language en needs instruction_en and question_en`);
  return { instruction: record.instruction_en, question: q.question_en };
}

async function ask(options: ComplexbenchRunOptions, prompt: string, templateHash: string): Promise<string> {
  let text = "";
  for (let round = 0; round <= options.reask; round++) {
    const res = await options.judge.chat(
      {
        messages: [{ role: "user", content: prompt }],
        temperature: options.temperature,
        ...(options.top_p !== undefined ? { top_p: options.top_p } : {}),
        ...(options.max_tokens !== undefined ? { max_tokens: options.max_tokens } : {}),
      },
      { templateHash, stage: "complexbench-judge", ...(round > 0 ? { sample: round } : {}) },
    );
    text = res.text;
    if (text !== "") break;
  }
  return text;
}

async function scorePoint(
  options: ComplexbenchRunOptions,
  record: ComplexbenchRecord,
  response: string | null,
  j: number,
): Promise<PointResult> {
  const q = record.scoring_questions[j];
  const { instruction, question } = textsFor(record, j, options.language);
  // Upstream truncation: instruction[:6000], response[:4000] (code points); a missing response is "None".
  const inst = pySlice(instruction, 6000);
  const out = response === null ? "None" : pySlice(response, 4000);
  if (q.rule === null) {
    const raw = await ask(
      options,
      renderComplexbenchJudgePrompt(inst, out, question),
      COMPLEXBENCH_JUDGE_TEMPLATE_HASH,
    );
    const parsed = parseComplexbenchJudge(raw, options.parseMode);
    return { point_id: j, source: "llm", verdict: parsed.verdict, raw, fallback: parsed.fallback };
  }
  const { prompt, templateHash } = renderExtractionPrompt(q.rule, inst, out, question);
  const raw = await ask(options, prompt, templateHash);
  // The rule runs on spans of the FULL response (upstream passes the untruncated output to preprocess).
  const { spans } = preprocessExtraction(response, raw, options.parseMode === "tolerant");
  try {
    return { point_id: j, source: "rule", verdict: decomposeJudge(q.rule, spans), raw, rule: q.rule, spans };
  } catch (err) {
    if (!(err instanceof PythonCrash)) throw err;
    return { point_id: j, source: "rule", verdict: false, raw, rule: q.rule, spans, error: err.message };
  }
}

export async function runComplexbench(options: ComplexbenchRunOptions): Promise<ComplexbenchRunResult> {
  if (options.responses.length !== options.records.length)
    throw new Error(`${options.responses.length} responses for ${options.records.length} records`);
  const jobs = options.records.flatMap((r, i) => r.scoring_questions.map((_, j) => ({ i, j })));
  let done = 0;
  const points = await mapPool(jobs, options.concurrency, async ({ i, j }) => {
    const p = await scorePoint(options, options.records[i], options.responses[i], j);
    options.onProgress?.(++done, jobs.length);
    return p;
  });
  let k = 0;
  const results: ComplexbenchRecordResult[] = options.records.map((record, position) => {
    const ps = points.slice(k, k + record.scoring_questions.length);
    k += record.scoring_questions.length;
    const verdicts = ps.map((p) => p.verdict);
    return {
      main_id: record.main_id,
      position,
      output: options.responses[position],
      point_judges: verdicts,
      point_judges_rely: applyDependencies(record, verdicts),
      points: ps,
    };
  });
  const metrics = aggregateComplexbench(
    options.records.map((record, n) => ({ record, verdicts: results[n].point_judges })),
  );
  return {
    records: results,
    metrics,
    summary: {
      parse_mode: options.parseMode,
      language: options.language,
      judge_model: options.judge.model,
      judge_temperature: options.temperature,
      judge_template_hash: COMPLEXBENCH_JUDGE_TEMPLATE_HASH,
      llm_questions: points.filter((p) => p.source === "llm").length,
      rule_questions: points.filter((p) => p.source === "rule").length,
      llm_fallback_answers: points.filter((p) => p.fallback).length,
      rule_errors: points.filter((p) => p.error).length,
      rule_empty_extractions: points.filter((p) => p.source === "rule" && p.spans?.length === 0).length,
    },
  };
}

/** A plain-text table: overall DRFR and the main breakdowns (percentages). */
export function formatComplexbenchTable(m: ComplexbenchMetrics): string {
  const pct = (v: number | null) => (v === null ? "-" : (v * 100).toFixed(1));
  const lines = [`DRFR  ${pct(m.overall_drfr)}  (${m.followed}/${m.questions} questions)`];
  const block = (title: string, rec: Record<string, number>) => {
    lines.push(title);
    for (const [k, v] of Object.entries(rec)) lines.push(`  ${k.padEnd(34)} ${pct(v).padStart(6)}`);
  };
  block("by category (prefix)", m.categorized_avg_drfr);
  block("by constraint type / composition", m.constraint_types_and_composition_types_acc);
  block("by task type", m.task_types_drfr);
  lines.push(
    `coherent test: single origin ${pct(m.single_origin_test)} coherent ${pct(m.single_coherent_test)}; ` +
      `multiple origin ${pct(m.multiple_origin_test)} coherent ${pct(m.multiple_coherent_test)}`,
  );
  if (m.unknown_rule_verdicts > 0)
    lines.push(`note: ${m.unknown_rule_verdicts} unknown-rule verdicts (2), treated as upstream does (see docs)`);
  return lines.join("\n");
}
