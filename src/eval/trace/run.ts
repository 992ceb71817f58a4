import type { TraceRecord } from "../../data/schemas.js";
import { checkConstraint } from "../../judge/rules/check.js";
import { cjkShare } from "../../judge/rules/count.js";
import { detectRules } from "../../judge/rules/detect.js";
import type { ConstraintCheck } from "../../judge/rules/types.js";
import type { ChatModel } from "../../llm/types.js";
import { mapPool } from "../../util/map-pool.js";
import type { JudgeLang, TraceJudgeKit, TraceJudgeParse } from "./judge-kit.js";
import { computeTraceMetrics, followedAllTen, followedHybrid, followedOverall, type TraceMetrics } from "./metrics.js";

export interface TraceRunOptions {
  records: readonly TraceRecord[];
  /** Existing responses by record id; the others are generated with `generator`. */
  responses?: ReadonlyMap<string, string>;
  generator?: ChatModel;
  /** Paper: vLLM at temperature 0.1. */
  generation: { temperature: number; top_p?: number; max_tokens?: number };
  judge: ChatModel;
  /** Paper's evaluator config: GPT-4o, temperature 0.0, top_p 0.8. */
  judgeTemperature: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  /** Extra judge calls when the output does not parse (fine-grained scores or overall missing). */
  reask: number;
  kit: TraceJudgeKit;
  /** Run the rule checks of the hybrid judge beside the LLM judge. */
  rules: boolean;
  concurrency: number;
  onProgress?: (stage: "generate" | "judge", done: number, total: number) => void;
}

export interface TraceItemResult {
  id: string;
  constraints_num: number;
  levels2: string[];
  response: string;
  judge: TraceJudgeParse & { lang: JudgeLang; rounds: number; raw_rounds: string[] };
  followed: { all_ten: boolean; overall: boolean; hybrid: boolean };
  rules: (ConstraintCheck & { constraint: string })[];
}

export interface TraceRunResult {
  items: TraceItemResult[];
  metrics: TraceMetrics;
  provenance: {
    judge_model: string;
    judge_temperature: number;
    judge_top_p: number | null;
    judge_kit: string;
    judge_template_hash: Record<JudgeLang, string>;
    generator_model: string | null;
    generation: TraceRunOptions["generation"];
    reask: number;
    hybrid_rules: boolean;
  };
}

function userPrompt(record: TraceRecord): string {
  const user = [...record.messages].reverse().find((m) => m.role === "user");
  return user?.content ?? "";
}

/** The judge prompt language: Chinese unless the instruction is mostly Latin script (4 English TRACE items). */
export function judgeLang(query: string): JudgeLang {
  const { cjk, latin } = cjkShare(query);
  return cjk === 0 || cjk * 4 < latin ? "en" : "zh";
}

function needsReask(p: TraceJudgeParse): boolean {
  return Boolean(p.parse_error) || p.scores === null || p.overall === null;
}

async function judgeOne(
  record: TraceRecord,
  response: string,
  options: TraceRunOptions,
): Promise<TraceItemResult["judge"]> {
  const query = userPrompt(record);
  const lang = judgeLang(query);
  const prompt = options.kit.buildPrompt({ query, constraints: record.constraints_splits, response }, lang);
  const raws: string[] = [];
  let best: TraceJudgeParse | undefined;
  for (let round = 0; round <= options.reask; round++) {
    const res = await options.judge.chat(
      {
        messages: [{ role: "user", content: prompt }],
        temperature: options.judgeTemperature,
        ...(options.judgeTopP !== undefined ? { top_p: options.judgeTopP } : {}),
        ...(options.judgeMaxTokens !== undefined ? { max_tokens: options.judgeMaxTokens } : {}),
      },
      // Re-asks are independent samples of the same request (part of the cache key, not of the body).
      { templateHash: options.kit.templateHash(lang), stage: "trace-judge", ...(round > 0 ? { sample: round } : {}) },
    );
    raws.push(res.text);
    const parsed = options.kit.parse(res.text, record.constraints_num);
    // Keep the first fully parsed answer; otherwise the last one (all raw texts are kept).
    best = parsed;
    if (!needsReask(parsed)) break;
  }
  return { ...best!, lang, rounds: raws.length, raw_rounds: raws };
}

/** Generate (if needed), judge every record, run the rule checks, and compute the metrics. */
export async function runTrace(options: TraceRunOptions): Promise<TraceRunResult> {
  const responses = new Map<string, string>(options.responses ?? []);
  const todo = options.records.filter((r) => !responses.has(r.id));
  if (todo.length > 0 && !options.generator)
    throw new Error(`${todo.length} records have no response (first id ${todo[0].id}) and no model was given`);
  let done = 0;
  await mapPool(todo, options.concurrency, async (r) => {
    const res = await options.generator!.chat(
      {
        messages: r.messages,
        temperature: options.generation.temperature,
        ...(options.generation.top_p !== undefined ? { top_p: options.generation.top_p } : {}),
        ...(options.generation.max_tokens !== undefined ? { max_tokens: options.generation.max_tokens } : {}),
      },
      { stage: "trace-generate" },
    );
    responses.set(r.id, res.text);
    options.onProgress?.("generate", ++done, todo.length);
  });

  done = 0;
  const items = await mapPool(options.records, options.concurrency, async (record): Promise<TraceItemResult> => {
    const response = responses.get(record.id)!;
    const judge = await judgeOne(record, response, options);
    const rules = options.rules
      ? record.constraints_splits.map((c) => ({ constraint: c, ...checkConstraint(detectRules(c), response) }))
      : [];
    const base = {
      id: record.id,
      constraints_num: record.constraints_num,
      levels2: record.levels2 ?? [],
      judge,
      rules,
    };
    options.onProgress?.("judge", ++done, options.records.length);
    return {
      ...base,
      response,
      followed: { all_ten: followedAllTen(base), overall: followedOverall(base), hybrid: followedHybrid(base) },
    };
  });
  return {
    items,
    metrics: computeTraceMetrics(items, options.kit.dimension),
    provenance: {
      judge_model: options.judge.model,
      judge_temperature: options.judgeTemperature,
      judge_top_p: options.judgeTopP ?? null,
      judge_kit: options.kit.source,
      judge_template_hash: { zh: options.kit.templateHash("zh"), en: options.kit.templateHash("en") },
      generator_model: options.generator?.model ?? null,
      generation: options.generation,
      reask: options.reask,
      hybrid_rules: options.rules,
    },
  };
}

/** The printed summary table. */
export function formatTraceTable(m: TraceMetrics): string {
  const p = (r: { pct: number | null; followed: number; n: number }) =>
    `${r.pct === null ? "   -  " : r.pct.toFixed(2).padStart(6)} (${r.followed}/${r.n})`;
  const lines = [
    `                 IF (all = 10)        IF (overall = 10)    IF (hybrid)`,
    `all      ${p(m.IF).padEnd(22)}${p(m.IF_overall).padEnd(22)}${p(m.IF_hybrid)}`,
    `IF-S     ${p(m.IF_S.IF).padEnd(22)}${p(m.IF_S.IF_overall).padEnd(22)}${p(m.IF_S.IF_hybrid)}`,
    `IF-M     ${p(m.IF_M.IF).padEnd(22)}${p(m.IF_M.IF_overall).padEnd(22)}${p(m.IF_M.IF_hybrid)}`,
    `readings disagree on ${m.readings_disagree.total} items (all=10 only ${m.readings_disagree.all_ten_only}, overall only ${m.readings_disagree.overall_only}); ` +
      `judge parse failures: fine-grained ${m.parse_failures.fine_grained}, overall ${m.parse_failures.overall} (counted as not followed)`,
    "by number of constraints:",
    ...Object.entries(m.by_constraints_num).map(
      ([k, v]) => `  ${k.padStart(2)}  ${p(v.IF).padEnd(22)}${p(v.IF_overall)}`,
    ),
    "by dimension (constraints scored 10):",
    ...Object.entries(m.by_dimension)
      .sort((a, b) => b[1].constraints.n - a[1].constraints.n)
      .map(([k, v]) => `  ${`${v.type}/${k}`.padEnd(62)} ${p(v.constraints)}`),
  ];
  const unknown = Object.entries(m.unknown_labels);
  if (unknown.length > 0)
    lines.push(`unknown labels: ${unknown.map(([l, c]) => `${JSON.stringify(l)} x${c}`).join(", ")}`);
  const h = m.hybrid;
  if (h.with_rule > 0) {
    const a = h.agreement;
    lines.push(
      `hybrid: ${h.with_rule}/${h.constraints} constraints rule-checked (${h.rule_fail} fail); rule vs judge:`,
      `  rule pass: judge 10 ${a.rule_pass_judge_10}, judge < 10 ${a.rule_pass_judge_below_10}`,
      `  rule fail: judge 10 ${a.rule_fail_judge_10}, judge < 10 ${a.rule_fail_judge_below_10}; judge unparsed ${a.judge_unparsed}`,
      ...Object.entries(h.by_kind).map(
        ([k, v]) =>
          `  ${k.padEnd(12)} constraints ${v.constraints}, rule fail ${v.rule_fail}, disagree with judge ${v.disagree}`,
      ),
    );
  }
  return lines.join("\n");
}
