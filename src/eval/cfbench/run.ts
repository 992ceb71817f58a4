import type { ChatModel } from "../../llm/types.js";
import { mapPool } from "../../util/map-pool.js";
import { CFBENCH_JUDGE_TEMPLATE_HASH, renderCfbenchJudgePrompt } from "./judge-prompt.js";
import { aggregateScores, type CfbenchScores, type ItemMetric, type JudgeParsing, scoreItem } from "./metrics.js";
import { parseFallbackUpstream, parseStrict, parseTolerant } from "./parse-judge.js";
import { pyFloat } from "./python-numbers.js";
import type { CfbenchRecord } from "./record.js";

export type CfbenchParseMode = "upstream-exact" | "tolerant";

export interface CfbenchJudgeSettings {
  model: ChatModel;
  /** Upstream: 0.01 (gpt-4o-2024-05-13). */
  temperature: number;
  top_p?: number;
  max_tokens?: number;
}

export interface CfbenchRunOptions {
  records: readonly CfbenchRecord[];
  /** Existing responses by idx; records without one are generated with `generator`. */
  responses?: ReadonlyMap<number, string>;
  generator?: ChatModel;
  generation?: { temperature?: number; top_p?: number; max_tokens?: number };
  judge: CfbenchJudgeSettings;
  parseMode: CfbenchParseMode;
  /** Judge rounds per item, the first included (upstream MAX_RETRY_NUM = 10). */
  rounds: number;
  concurrency: number;
  onProgress?: (stage: "generate" | "judge", done: number, total: number) => void;
}

export interface CfbenchItemResult {
  idx: number;
  split: string;
  response: string;
  /** Raw judge text of every round (the last one is the one scored when parsing never succeeded). */
  judge_responses: string[];
  judge_score: string[];
  judge_parsing: JudgeParsing;
  judge_metric: ItemMetric;
  /** Why each failed round was rejected. */
  parse_errors: string[];
  /** Tolerant mode: criteria without a score in the best round (counted as 0). */
  missing?: number;
  /** upstream-exact fallback: lines skipped where upstream would have crashed (non-numeric score). */
  fallback_skipped?: number;
}

/** Share of criteria met, by constraint type (criteria[k][2]) and by priority; not an upstream metric. */
export interface CriteriaBreakdown {
  /** Only items whose scores align with their criteria (judge_parsing "1") are counted. */
  items_counted: number;
  by_constraint_type: Record<string, { criteria: number; met: number; rate: number }>;
  by_priority: Record<string, { criteria: number; met: number; rate: number }>;
}

export function criteriaBreakdown(
  records: readonly CfbenchRecord[],
  items: readonly CfbenchItemResult[],
): CriteriaBreakdown {
  const byIdx = new Map(records.map((r) => [r.idx, r]));
  const types: Record<string, { criteria: number; met: number; rate: number }> = {};
  const prios: Record<string, { criteria: number; met: number; rate: number }> = {};
  let counted = 0;
  for (const item of items) {
    const rec = byIdx.get(item.idx);
    if (!rec || item.judge_parsing !== "1" || item.judge_score.length !== rec.criteria.length) continue;
    counted++;
    rec.criteria.forEach((c, k) => {
      const met = pyFloat(item.judge_score[k]) === 1 ? 1 : 0;
      for (const [table, key] of [
        [types, c[2] || "(none)"],
        [prios, c[1]],
      ] as const) {
        const e = (table[key] ??= { criteria: 0, met: 0, rate: 0 });
        e.criteria++;
        e.met += met;
        e.rate = e.met / e.criteria;
      }
    });
  }
  return { items_counted: counted, by_constraint_type: types, by_priority: prios };
}

export interface CfbenchRunResult {
  items: CfbenchItemResult[];
  scores: CfbenchScores;
  breakdown: CriteriaBreakdown;
  summary: {
    parse_mode: CfbenchParseMode;
    judge_model: string;
    judge_temperature: number;
    judge_top_p: number | null;
    judge_template_hash: string;
    rounds: number;
    judge_parsing_counts: Record<JudgeParsing, number>;
    items_needing_reask: number;
    tolerant_missing_criteria: number;
    fallback_skipped_lines: number;
  };
}

/** Generate the missing responses: the prompt as one user message, no system prompt (upstream code/inference.py). */
export async function generateCfbenchResponses(
  records: readonly CfbenchRecord[],
  existing: ReadonlyMap<number, string> | undefined,
  generator: ChatModel | undefined,
  generation: CfbenchRunOptions["generation"],
  concurrency: number,
  onProgress?: CfbenchRunOptions["onProgress"],
): Promise<Map<number, string>> {
  const out = new Map<number, string>(existing ?? []);
  const todo = records.filter((r) => !out.has(r.idx));
  if (todo.length > 0 && !generator)
    throw new Error(`${todo.length} records have no response (first idx ${todo[0].idx}) and no model was given`);
  let done = 0;
  await mapPool(todo, concurrency, async (r) => {
    const res = await generator!.chat(
      { messages: [{ role: "user", content: r.prompt }], ...generation },
      { stage: "cfbench-generate" },
    );
    out.set(r.idx, res.text);
    onProgress?.("generate", ++done, todo.length);
  });
  return out;
}

async function judgeOne(
  record: CfbenchRecord,
  response: string,
  options: CfbenchRunOptions,
): Promise<CfbenchItemResult> {
  const criteria = record.criteria.map((c) => c[0]);
  const priorities = record.criteria.map((c) => c[1]);
  const prompt = renderCfbenchJudgePrompt(record.prompt, record.gold, response, criteria);
  const texts: string[] = [];
  const errors: string[] = [];
  let best: { scores: (0 | 1 | null)[]; missing: number } | undefined;
  for (let round = 0; round < Math.max(1, options.rounds); round++) {
    const res = await options.judge.model.chat(
      {
        messages: [{ role: "user", content: prompt }],
        temperature: options.judge.temperature,
        ...(options.judge.top_p !== undefined ? { top_p: options.judge.top_p } : {}),
        ...(options.judge.max_tokens !== undefined ? { max_tokens: options.judge.max_tokens } : {}),
      },
      // A re-ask is an independent sample of the same request (`sample`), so the cache cannot replay the rejected
      // answer while the request body stays exactly upstream's.
      { templateHash: CFBENCH_JUDGE_TEMPLATE_HASH, stage: "cfbench-judge", ...(round > 0 ? { sample: round } : {}) },
    );
    texts.push(res.text);
    if (options.parseMode === "upstream-exact") {
      const parsed = parseStrict(res.text, criteria);
      if (parsed.ok) {
        const metric = scoreItem(parsed.scores.map(pyFloat), priorities, "1");
        return base(record, response, texts, errors, parsed.scores, "1", metric);
      }
      errors.push(parsed.reason);
    } else {
      const parsed = parseTolerant(res.text, criteria);
      if (!best || parsed.missing < best.missing) best = parsed;
      if (parsed.missing === 0) break;
      errors.push(`${parsed.missing} of ${criteria.length} criteria without a score`);
    }
  }
  if (options.parseMode === "upstream-exact") {
    const fb = parseFallbackUpstream(texts[texts.length - 1]);
    const metric = scoreItem(fb.scores.map(pyFloat), priorities, fb.judge_parsing);
    return {
      ...base(record, response, texts, errors, fb.scores, fb.judge_parsing, metric),
      fallback_skipped: fb.fallback_skipped,
    };
  }
  const scores = best!.scores.map((s) => String(s ?? 0));
  const metric = scoreItem(scores.map(Number), priorities, "1");
  return { ...base(record, response, texts, errors, scores, "1", metric), missing: best!.missing };
}

function base(
  record: CfbenchRecord,
  response: string,
  texts: string[],
  errors: string[],
  scores: string[],
  parsing: JudgeParsing,
  metric: ItemMetric,
): CfbenchItemResult {
  return {
    idx: record.idx,
    split: record.split,
    response,
    judge_responses: texts,
    judge_score: scores,
    judge_parsing: parsing,
    judge_metric: metric,
    parse_errors: errors,
  };
}

/** Generate (if needed), judge and score every record. */
export async function runCfbench(options: CfbenchRunOptions): Promise<CfbenchRunResult> {
  const responses = await generateCfbenchResponses(
    options.records,
    options.responses,
    options.generator,
    options.generation,
    options.concurrency,
    options.onProgress,
  );
  let done = 0;
  const items = await mapPool(options.records, options.concurrency, async (r) => {
    const item = await judgeOne(r, responses.get(r.idx)!, options);
    options.onProgress?.("judge", ++done, options.records.length);
    return item;
  });
  const counts: Record<JudgeParsing, number> = { "1": 0, "0": 0, "-1": 0 };
  for (const i of items) counts[i.judge_parsing]++;
  return {
    items,
    scores: aggregateScores(items.map((i) => ({ split: i.split, metric: i.judge_metric }))),
    breakdown: criteriaBreakdown(options.records, items),
    summary: {
      parse_mode: options.parseMode,
      judge_model: options.judge.model.model,
      judge_temperature: options.judge.temperature,
      judge_top_p: options.judge.top_p ?? null,
      judge_template_hash: CFBENCH_JUDGE_TEMPLATE_HASH,
      rounds: options.rounds,
      judge_parsing_counts: counts,
      items_needing_reask: items.filter((i) => i.judge_responses.length > 1).length,
      tolerant_missing_criteria: items.reduce((a, i) => a + (i.missing ?? 0), 0),
      fallback_skipped_lines: items.reduce((a, i) => a + (i.fallback_skipped ?? 0), 0),
    },
  };
}

/** A plain-text table of the scores (fractions x100 as papers print them). */
export function formatCfbenchTable(scores: CfbenchScores): string {
  const pct = (v: number | null) => (v === null ? "   -  " : (v * 100).toFixed(1).padStart(6));
  const lines = [
    "split   n      CSR    ISR    PSR",
    `easy  ${String(scores.n_easy).padStart(4)}  ${pct(scores.CSR_easy)} ${pct(scores.ISR_easy)} ${pct(scores.PSR_easy)}`,
    `hard  ${String(scores.n_hard).padStart(4)}  ${pct(scores.CSR_hard)} ${pct(scores.ISR_hard)} ${pct(scores.PSR_hard)}`,
    `all   ${String(scores.n).padStart(4)}  ${pct(scores.CSR)} ${pct(scores.ISR)} ${pct(scores.PSR)}`,
  ];
  return lines.join("\n");
}
