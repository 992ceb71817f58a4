import { join } from "node:path";
import { readJsonObjects } from "./detect.js";
import type { LogTable, TrainingChart, TrainingRun, TrainingSection } from "./model.js";

/**
 * Section 2 of the page: the curves of `trainer_log.jsonl` (TRL's names, IOPO's `_v1`/`_v2` variants, the `eval_`
 * prefix; docs/design.md section 5). One chart per quantity, every run overlaid, `_v1` and `_v2` on the same axes.
 */

/** Row fields that are bookkeeping, not curves. */
const NOT_CURVES = new Set(["step", "total_steps", "epoch", "tokens_per_second", "elapsed_time", "remaining_time"]);

/** Charts in this order first (by base name: no `eval_` prefix, no `_v1`/`_v2` suffix), the rest by name. */
const CHART_ORDER = [
  "loss",
  "rewards/margins",
  "rewards/accuracies",
  "rewards/chosen",
  "rewards/rejected",
  "logps/chosen",
  "logps/rejected",
  "logps/ref_chosen",
  "logps/ref_rejected",
  "logits/chosen",
  "logits/rejected",
  "grad_norm",
  "learning_rate",
];

/** Six significant digits: enough for any curve, and a third of the bytes of a float64 printed in full. */
export function compactNumber(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}

function table(rows: Record<string, unknown>[], keep: (key: string) => boolean): LogTable {
  const keys = new Set<string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r)) if (!NOT_CURVES.has(k) && typeof v === "number" && keep(k)) keys.add(k);
  const sorted = [...keys].sort();
  return {
    step: rows.map((r) => (typeof r.step === "number" ? r.step : 0)),
    cols: Object.fromEntries(
      sorted.map((k) => [
        k,
        rows.map((r) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? compactNumber(r[k] as number) : null)),
      ]),
    ),
  };
}

/** A train output folder's log, split into training rows and evaluation (`eval_`) rows. */
export function readTrainingRun(
  dir: string,
  label: string,
  extra: { method?: string; seed?: number } = {},
): TrainingRun {
  const rows = readJsonObjects(join(dir, "trainer_log.jsonl"));
  const isEval = (r: Record<string, unknown>) => Object.keys(r).some((k) => k.startsWith("eval_"));
  const evalRows = rows.filter(isEval);
  const trainRows = rows.filter((r) => !isEval(r));
  const steps = rows.map((r) => r.step).filter((s): s is number => typeof s === "number");
  const total = rows.map((r) => r.total_steps).find((s): s is number => typeof s === "number");
  return {
    label,
    source: dir,
    ...extra,
    train: table(trainRows, (k) => !k.startsWith("eval_")),
    eval: table(evalRows, (k) => k.startsWith("eval_")),
    last_step: steps.length ? Math.max(...steps) : 0,
    ...(total !== undefined ? { total_steps: total } : {}),
  };
}

/** The quantity a log key plots: without the `eval_` prefix and the IOPO `_v1`/`_v2` suffix. */
export function baseKey(key: string): string {
  return key.replace(/^eval_/, "").replace(/_v[12]$/, "");
}

/** One chart per quantity over all runs: `loss`, `rewards/margins` (with `_v1`, `_v2`), ..., then `eval_` charts. */
export function trainingCharts(runs: readonly TrainingRun[]): TrainingChart[] {
  const charts: TrainingChart[] = [];
  for (const t of ["train", "eval"] as const) {
    const byBase = new Map<string, Set<string>>();
    for (const run of runs)
      for (const k of Object.keys(run[t].cols)) {
        const b = baseKey(k);
        if (!byBase.has(b)) byBase.set(b, new Set());
        byBase.get(b)!.add(k);
      }
    const rank = (b: string) => {
      const i = CHART_ORDER.indexOf(b);
      return i < 0 ? CHART_ORDER.length : i;
    };
    const bases = [...byBase.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    for (const b of bases) {
      const keys = [...byBase.get(b)!].sort((x, y) => suffixRank(x) - suffixRank(y));
      charts.push({ id: `${t}:${b}`, title: t === "eval" ? `eval_${b}` : b, table: t, keys });
    }
  }
  return charts;
}

const suffixRank = (k: string) => (k.endsWith("_v1") ? 1 : k.endsWith("_v2") ? 2 : 0);

export function trainingSection(runs: TrainingRun[]): TrainingSection {
  return { runs, charts: trainingCharts(runs) };
}
