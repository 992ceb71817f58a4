import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonl } from "../../src/data/jsonl.js";
import type { TraceRecord } from "../../src/data/schemas.js";
import { defaultJudgeKit } from "../../src/eval/trace/judge-kit.js";
import { computeTraceMetrics, type TraceMetrics } from "../../src/eval/trace/metrics.js";
import { writeTraceOutputs } from "../../src/eval/trace/outputs.js";
import type { TraceItemResult } from "../../src/eval/trace/run.js";
import {
  type ExperimentResults,
  type MethodInfo,
  type MetricInfo,
  RESULTS_SCHEMA,
  type RunResult,
  type SliceStat,
  type Stat,
} from "../../src/experiment/results.js";
import { checkConstraint } from "../../src/judge/rules/check.js";
import { detectRules } from "../../src/judge/rules/detect.js";
import { DIMENSIONS } from "../../src/taxonomy/dimensions.js";
import { mulberry32 } from "../../src/util/random.js";
import { generateEvalSet } from "../../src/world/eval-set.js";

/**
 * A synthetic experiment run folder in the layout `iopo demo` / `iopo experiment` writes, conforming to
 * src/experiment/results.ts: data/eval/eval.jsonl (world TRACE records), eval/<method>/seed-<s>/ written by the
 * real `eval trace` writer from judged items (pass rates chosen per method, rule checks run for real),
 * train/<method>/seed-<s>/trainer_log.jsonl with TRL's names (IOPO's _v1/_v2, eval_ rows), and results.json.
 */

export interface FixtureMethod {
  id: string;
  label: string;
  kind: "start" | "method";
  /** Chance that an item with one constraint passes; it falls with the number of constraints. */
  pass: number;
}

export interface FixtureOptions {
  name?: string;
  methods: FixtureMethod[];
  seeds: number[];
  items: number;
  /** Length of each response, roughly. */
  responseChars?: number;
  /** Strings put into responses, judge texts, labels, ids and constraints (the safety test). */
  hostile?: readonly string[];
  /** One response this long (characters), for the "5 MB string" case. */
  hugeResponse?: number;
}

export const DEFAULT_METHODS: FixtureMethod[] = [
  { id: "base", label: "Base", kind: "start", pass: 0.35 },
  { id: "sft", label: "SFT", kind: "start", pass: 0.5 },
  { id: "dpo", label: "DPO", kind: "method", pass: 0.62 },
  { id: "iopo", label: "IOPO", kind: "method", pass: 0.7 },
];

/** Payloads that would set window.__pwned if any reached the page as markup or code. */
export const HOSTILE_STRINGS: readonly string[] = [
  "<script>window.__pwned=1</script>",
  "</script><script>window.__pwned=1</script>",
  '</textarea><img src=x onerror="window.__pwned=1">',
  "<!-- <script>window.__pwned=1</script> -->",
  "<img src=x onerror=window.__pwned=1>",
  '<a href="javascript:window.__pwned=1">click me</a>',
  "javascript:window.__pwned=1",
  "<svg onload=window.__pwned=1></svg>",
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  "line\u2028separator\u2029paragraph",
  "lone \ud800 high and \udfff low surrogates",
  "&lt;script&gt;window.__pwned=1&lt;/script&gt; & <b>bold</b>",
];

const METRICS: MetricInfo[] = [
  { id: "if_s", label: "IF-S", group: "TRACE-style", unit: "%", higher_is_better: true, description: "one constraint" },
  { id: "if_m", label: "IF-M", group: "TRACE-style", unit: "%", higher_is_better: true, description: "2+ constraints" },
];

function stat(values: number[]): Stat {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : 0;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...values), max: Math.max(...values), n };
}

function response(rand: () => number, id: string, who: string, chars: number): string {
  const words = ["apple", "pear", "plum", "kiwi", "mango", "grape", "cherry", "lemon", "lime", "peach"];
  const lines = [`As requested (${who}, ${id}):`, ""];
  let len = 0;
  while (len < chars) {
    const line = `- **${words[Math.floor(rand() * words.length)]}** ${words[Math.floor(rand() * words.length)]}`;
    lines.push(line);
    len += line.length + 1;
  }
  return lines.join("\n");
}

const detected = new Map<string, ReturnType<typeof detectRules>>();
/** The rule reading of a constraint text (the same texts recur over methods and seeds). */
function rulesOf(constraint: string): ReturnType<typeof detectRules> {
  let r = detected.get(constraint);
  if (!r) detected.set(constraint, (r = detectRules(constraint)));
  return r;
}

/** Judged items of one method x seed over `records`. */
function judgedItems(records: TraceRecord[], m: FixtureMethod, seed: number, o: FixtureOptions): TraceItemResult[] {
  const rand = mulberry32(seed * 7919 + m.id.length * 104729 + m.pass * 1e6);
  const hostile = o.hostile ?? [];
  return records.map((rec, i) => {
    const n = rec.constraints_num;
    const ok = rand() < m.pass * 0.93 ** (n - 1);
    const scores: number[] = rec.constraints_splits.map(() => (ok || rand() < 0.6 ? 10 : Math.floor(rand() * 9)));
    if (!ok && !scores.some((s) => s !== 10)) scores[Math.floor(rand() * n)] = 3;
    let text = response(rand, rec.id, `${m.id} seed ${seed}`, o.responseChars ?? 160);
    if (hostile.length && i < hostile.length) text = `${hostile[i]}\n${text}`;
    if (o.hugeResponse && i === 0 && m === o.methods[o.methods.length - 1])
      text = `${"A".repeat(o.hugeResponse)}${hostile[0] ?? ""}`;
    const raw = [
      "Explanation:",
      ...rec.constraints_splits.map(
        (c, k) => `${k + 1}. ${c} - ${scores[k] === 10 ? "met" : "not met"}. Score ${scores[k]}.`,
      ),
      ...(hostile.length && i < hostile.length ? [`Note: ${hostile[(i + 1) % hostile.length]}`] : []),
      `Fine Grained Score: [${JSON.stringify(Object.fromEntries(rec.constraints_splits.map((c, k) => [c, scores[k]])))}]`,
      `Constraints Overall Score: [[${Math.min(...scores)}]]`,
    ].join("\n");
    const rules = rec.constraints_splits.map((c) => ({ constraint: c, ...checkConstraint(rulesOf(c), text) }));
    const base = {
      id: rec.id,
      constraints_num: n,
      levels2: rec.levels2 ?? [],
      judge: { scores, overall: Math.min(...scores), raw, lang: "en" as const, rounds: 1, raw_rounds: [raw] },
      rules,
    };
    const allTen = scores.every((s) => s === 10);
    return {
      ...base,
      response: text,
      followed: { all_ten: allTen, overall: allTen, hybrid: allTen && !rules.some((r) => r.verdict === "fail") },
    };
  });
}

function trainerLog(m: FixtureMethod, seed: number, steps: number, hostileKey?: string): Record<string, number>[] {
  const rand = mulberry32(seed * 31 + m.id.length);
  const rows: Record<string, number>[] = [];
  const variants = m.id.startsWith("iopo") ? ["_v1", "_v2"] : [""];
  for (let step = 1; step <= steps; step++) {
    const t = step / steps;
    const row: Record<string, number> = {
      step,
      total_steps: steps,
      epoch: t,
      loss: Math.LN2 * (1 - 0.4 * t) + 0.02 * (rand() - 0.5),
      grad_norm: 1 + rand(),
      learning_rate: 5e-6 * (1 - t),
      tokens_per_second: 1000,
      elapsed_time: step,
      remaining_time: steps - step,
    };
    for (const v of variants) {
      const chosen = -0.1 * t + 0.02 * (rand() - 0.5);
      const rejected = -0.5 * t + 0.02 * (rand() - 0.5);
      row[`rewards/chosen${v}`] = chosen;
      row[`rewards/rejected${v}`] = rejected;
      row[`rewards/margins${v}`] = chosen - rejected;
      row[`rewards/accuracies${v}`] = Math.min(1, 0.5 + t / 2);
      row[`logps/chosen${v}`] = -300 - 10 * t;
      row[`logps/rejected${v}`] = -320 - 50 * t;
    }
    if (hostileKey) row[hostileKey] = rand();
    rows.push(row);
    if (step % 5 === 0) {
      const ev: Record<string, number> = { step, total_steps: steps, epoch: t, eval_loss: row.loss + 0.01 };
      for (const v of variants) ev[`eval_rewards/margins${v}`] = row[`rewards/margins${v}`] * 0.9;
      rows.push(ev);
    }
  }
  return rows;
}

/** Write the experiment folder and return its results.json content. */
export function writeExperimentFixture(dir: string, o: FixtureOptions): ExperimentResults {
  const hostile = o.hostile ?? [];
  const records = generateEvalSet(o.items, 11, 1, 6) as unknown as TraceRecord[];
  if (hostile.length) {
    records[0].id = hostile[0];
    records[1].constraints_splits[0] = hostile[2];
    records[1].messages[1].content = `${hostile[1]}\n${records[1].messages[1].content}`;
  }
  const evalFile = join(dir, "data", "eval", "eval.jsonl");
  writeJsonl(evalFile, records);
  const runs: RunResult[] = [];
  const perRun = new Map<string, TraceMetrics[]>();
  const seedsOf = (m: FixtureMethod) => (m.kind === "start" ? [o.seeds[0]] : o.seeds);
  for (const m of o.methods)
    for (const seed of seedsOf(m)) {
      const evalDir = join("eval", m.id, `seed-${seed}`);
      const items = judgedItems(records, m, seed, o);
      const metrics = computeTraceMetrics(items, defaultJudgeKit.dimension);
      writeTraceOutputs(
        join(dir, evalDir),
        records,
        {
          items,
          metrics,
          provenance: {
            judge: "llm",
            judge_model: "fixture",
            judge_temperature: 0,
            judge_top_p: null,
            judge_kit: "shared",
            judge_template_hash: { zh: "x", en: "y" },
            generator_model: m.id,
            generation: { temperature: 0.1 },
            reask: 0,
            hybrid_rules: true,
          },
        },
        { data_file: evalFile, responses_file: null },
      );
      const run: RunResult = {
        method: m.id,
        seed,
        status: "done",
        metrics: { if_s: metrics.IF_S.IF.pct, if_m: metrics.IF_M.IF.pct },
        eval_dir: evalDir,
      };
      if (m.kind === "method") {
        const trainDir = join("train", m.id, `seed-${seed}`);
        mkdirSync(join(dir, trainDir), { recursive: true });
        writeJsonl(
          join(dir, trainDir, "trainer_log.jsonl"),
          trainerLog(m, seed, 20, hostile[0] ? `rewards/${hostile[0]}` : undefined),
        );
        run.train_dir = trainDir;
      }
      runs.push(run);
      perRun.set(m.id, [...(perRun.get(m.id) ?? []), metrics]);
    }
  const summary: ExperimentResults["summary"] = {};
  for (const m of o.methods)
    summary[m.id] = Object.fromEntries(
      METRICS.map((x) => [x.id, stat(runs.filter((r) => r.method === m.id).map((r) => r.metrics[x.id] as number))]),
    );
  const keyOf = new Map(DIMENSIONS.map((d) => [d.name, d.key]));
  const slices = (ms: TraceMetrics[], pick: (t: TraceMetrics) => Record<string, { pct: number | null; n: number }>) => {
    const keys = new Set(ms.flatMap((t) => Object.keys(pick(t))));
    const out: Record<string, SliceStat> = {};
    for (const k of keys) {
      const vals = ms.map((t) => pick(t)[k]?.pct).filter((v): v is number => typeof v === "number");
      out[k] = { ...stat(vals), items: pick(ms[0])[k]?.n ?? 0 };
    }
    return out;
  };
  const methods: MethodInfo[] = o.methods.map((m) => ({
    id: m.id,
    label: hostile.length && m.id === o.methods[0].id ? `${m.label} ${hostile[4]}` : m.label,
    kind: m.kind,
    description: `${m.label} (fixture)`,
  }));
  const results: ExperimentResults = {
    schema: RESULTS_SCHEMA,
    name: o.name ?? "fixture",
    created: "2024-11-01T00:00:00.000Z",
    plan: { methods: o.methods.map((m) => m.id) },
    spread: "std",
    seeds: o.seeds,
    methods,
    metrics: METRICS,
    runs,
    summary,
    breakdowns: {
      by_constraints_num: Object.fromEntries(
        o.methods.map((m) => [
          m.id,
          slices(perRun.get(m.id)!, (t) =>
            Object.fromEntries(Object.entries(t.by_constraints_num).map(([k, v]) => [k, v.IF])),
          ),
        ]),
      ),
      by_dimension: Object.fromEntries(
        o.methods.map((m) => [
          m.id,
          slices(perRun.get(m.id)!, (t) =>
            Object.fromEntries(
              Object.entries(t.by_dimension).map(([name, v]) => [keyOf.get(name) ?? name, v.constraints]),
            ),
          ),
        ]),
      ),
    },
    phases: [
      { name: "data", seconds: 1.5 },
      { name: "train", seconds: 12.25, resumed: false },
      { name: "evaluate", seconds: 3 },
    ],
    verdict: [
      `IOPO's mean IF-M is ${summary.iopo?.if_m?.mean.toFixed(2) ?? "-"} against DPO's ${summary.dpo?.if_m?.mean.toFixed(2) ?? "-"}.`,
      ...hostile.slice(0, 3),
    ],
    data: { eval: "data/eval/eval.jsonl" },
  };
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}
