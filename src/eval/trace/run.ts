import type { TraceRecord } from "../../data/schemas.js";
import { checkConstraint } from "../../judge/rules/check.js";
import { cjkShare } from "../../judge/rules/count.js";
import { detectRules } from "../../judge/rules/detect.js";
import type { ConstraintCheck } from "../../judge/rules/types.js";
import type { ChatModel } from "../../llm/types.js";
import { mapPool } from "../../util/map-pool.js";
import { defaultJudgeKit, type JudgeLang, type TraceJudgeKit, type TraceJudgeParse } from "./judge-kit.js";
import { computeTraceMetrics, followedAllTen, followedHybrid, followedOverall, type TraceMetrics } from "./metrics.js";
import type { OfflineTraceJudge } from "./offline-judge.js";

export interface TraceRunOptions {
  records: readonly TraceRecord[];
  /** Existing responses by record id; the others are generated with `generator`. */
  responses?: ReadonlyMap<string, string>;
  /** The model under test: an endpoint (src/llm), the in-process engine (EngineChatModel), the world... */
  generator?: ChatModel;
  /** Paper: vLLM at temperature 0.1. */
  generation: { temperature: number; top_p?: number; max_tokens?: number };
  /** The LLM judge (B.5 prompt and parser of `kit`). Give this or `offlineJudge`. */
  judge?: ChatModel;
  /** A judge that needs no endpoint (offline-judge.ts: the rule checks, the constraint world's checker). */
  offlineJudge?: OfflineTraceJudge;
  /** Paper's evaluator config: GPT-4o, temperature 0.0, top_p 0.8. Default 0. */
  judgeTemperature?: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  /** Extra judge calls when the output does not parse (fine-grained scores or overall missing). Default 0. */
  reask?: number;
  /** Prompt, parser and taxonomy of the LLM judge; the taxonomy serves every judge. Default: defaultJudgeKit. */
  kit?: TraceJudgeKit;
  /** Run the rule checks of the hybrid judge beside the judge (default true; off for the rules judge itself). */
  rules?: boolean;
  /** Calls in flight (default 8). */
  concurrency?: number;
  /** Called as each record is generated, resp. judged (so progress is reported as work happens). */
  onProgress?: (stage: "generate" | "judge", done: number, total: number) => void;
  /** Called when a stage starts, with its number of records (before its first record is done). */
  onStart?: (stage: "generate" | "judge", total: number) => void;
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
    /** "llm" (the B.5 LLM judge) or the offline judge's name ("rules", "world"). */
    judge: string;
    /** The LLM judge's model, or the offline judge's name. */
    judge_model: string;
    judge_temperature: number | null;
    judge_top_p: number | null;
    judge_kit: string;
    /** Hashes of the LLM judge's prompt templates; null for an offline judge (no prompt). */
    judge_template_hash: Record<JudgeLang, string> | null;
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

type ResolvedOptions = TraceRunOptions & {
  kit: TraceJudgeKit;
  judgeTemperature: number;
  reask: number;
  rules: boolean;
  concurrency: number;
};

/** An offline judge's verdicts in the LLM judge's result shape (overall = 10 iff every constraint is met). */
function judgeOffline(judge: OfflineTraceJudge, record: TraceRecord, response: string): TraceItemResult["judge"] {
  const v = judge.judge(record, response);
  const judged = v.scores.every((x) => x !== null);
  const raw = v.evidence.map((e, k) => `${k + 1}. ${v.scores[k] ?? "-"}: ${e}`).join("\n");
  return {
    scores: v.scores,
    overall: judged ? (v.scores.every((x) => x === 10) ? 10 : 0) : null,
    raw,
    lang: judgeLang(userPrompt(record)),
    rounds: 0,
    raw_rounds: [],
  };
}

async function judgeOne(
  record: TraceRecord,
  response: string,
  options: ResolvedOptions,
): Promise<TraceItemResult["judge"]> {
  if (options.offlineJudge) return judgeOffline(options.offlineJudge, record, response);
  const query = userPrompt(record);
  const lang = judgeLang(query);
  const prompt = options.kit.buildPrompt({ query, constraints: record.constraints_splits, response }, lang);
  const raws: string[] = [];
  let best: TraceJudgeParse | undefined;
  for (let round = 0; round <= options.reask; round++) {
    const res = await options.judge!.chat(
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

/**
 * Generate (if needed), judge every record, run the rule checks, and compute the metrics. A library call (the CLI
 * and the demo's experiment use it alike): errors are thrown, nothing exits.
 */
export async function runTrace(given: TraceRunOptions): Promise<TraceRunResult> {
  if ((given.judge === undefined) === (given.offlineJudge === undefined))
    throw new Error("runTrace: give exactly one judge (`judge`, an LLM, or `offlineJudge`)");
  const options: ResolvedOptions = {
    ...given,
    kit: given.kit ?? defaultJudgeKit,
    judgeTemperature: given.judgeTemperature ?? 0,
    reask: given.reask ?? 0,
    // The rule judge is the rule checks: running them again beside it would only repeat its verdicts.
    rules: (given.rules ?? true) && given.offlineJudge?.name !== "rules",
    concurrency: given.concurrency ?? 8,
  };
  options.offlineJudge?.prepare?.(options.records);
  const responses = new Map<string, string>(options.responses ?? []);
  const todo = options.records.filter((r) => !responses.has(r.id));
  if (todo.length > 0 && !options.generator)
    throw new Error(`${todo.length} records have no response (first id ${todo[0].id}) and no model was given`);
  let done = 0;
  if (todo.length > 0) options.onStart?.("generate", todo.length);
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
  options.onStart?.("judge", options.records.length);
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
  const offline = options.offlineJudge;
  return {
    items,
    metrics: computeTraceMetrics(items, options.kit.dimension, offline?.sources),
    provenance: {
      judge: offline?.name ?? "llm",
      judge_model: offline?.name ?? options.judge!.model,
      judge_temperature: offline ? null : options.judgeTemperature,
      judge_top_p: offline ? null : (options.judgeTopP ?? null),
      judge_kit: offline?.name ?? options.kit.source,
      judge_template_hash: offline ? null : { zh: options.kit.templateHash("zh"), en: options.kit.templateHash("en") },
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
  const c = m.judge_coverage;
  if (c.unjudged_items > 0)
    lines.push(
      `judge coverage: ${c.judged_items} of ${c.items} items judged (every constraint has a verdict); ` +
        `${c.unjudged_items} left out of the rates; constraints with a verdict ${c.judged_constraints}/${c.constraints} ` +
        `(${c.constraint_coverage_pct}%)`,
    );
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
