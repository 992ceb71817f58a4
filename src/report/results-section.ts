import { join } from "node:path";
import { DataError } from "../data/errors.js";
import type { ExperimentResults, MethodInfo, MetricInfo, SliceStat, Stat } from "../experiment/results.js";
import { DIMENSIONS } from "../taxonomy/dimensions.js";
import { readJson } from "./detect.js";
import type { FolderKind, ResultsSection } from "./model.js";

/**
 * Section 3 of the page: the method x metric table with the spread over seeds, the best mean per column, and the
 * breakdowns by number of constraints and by dimension. From an experiment's results.json as written
 * (src/experiment/results.ts), or from evaluation folders' metrics files (one row per folder, one "seed").
 */

/** The results section of an experiment, read from its results.json. */
export function resultsFromExperiment(r: ExperimentResults, file: string): ResultsSection {
  for (const field of ["methods", "metrics", "runs"] as const)
    if (!Array.isArray(r[field])) throw new DataError(file, undefined, field, "expected an array");
  const values: ResultsSection["values"] = {};
  for (const run of r.runs) {
    if (run.status !== "done") continue;
    for (const [metric, v] of Object.entries(run.metrics ?? {})) {
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      ((values[run.method] ??= {})[metric] ??= []).push({ seed: run.seed, value: v });
    }
  }
  const summary = r.summary ?? {};
  return {
    from: "experiment",
    name: r.name,
    seeds: r.seeds ?? [],
    methods: r.methods,
    metrics: r.metrics,
    summary,
    values,
    best: bestPerMetric(r.methods, r.metrics, summary),
    by_constraints_num: r.breakdowns?.by_constraints_num ?? {},
    by_dimension: renameDimensions(r.breakdowns?.by_dimension ?? {}),
    verdict: r.verdict ?? [],
    phases: r.phases ?? [],
    failed: r.runs
      .filter((x) => x.status !== "done")
      .map((x) => ({ method: x.method, seed: x.seed, status: x.status, ...(x.error ? { error: x.error } : {}) })),
  };
}

/** results.json keys dimensions by taxonomy key (`numerical`); the page shows the paper's names (`Numerical`). */
function renameDimensions(byDim: Record<string, Record<string, SliceStat>>): Record<string, Record<string, SliceStat>> {
  const name = new Map(DIMENSIONS.map((d) => [d.key, d.name]));
  return Object.fromEntries(
    Object.entries(byDim).map(([m, dims]) => [
      m,
      Object.fromEntries(Object.entries(dims).map(([k, v]) => [name.get(k) ?? k, v])),
    ]),
  );
}

/** Per metric, the methods whose mean is best (highest, or lowest when lower is better); ties all count. */
export function bestPerMetric(
  methods: readonly MethodInfo[],
  metrics: readonly MetricInfo[],
  summary: Record<string, Record<string, Stat>>,
): Record<string, string[]> {
  const best: Record<string, string[]> = {};
  for (const metric of metrics) {
    const scored = methods
      .map((m) => ({ id: m.id, v: summary[m.id]?.[metric.id]?.mean }))
      .filter((x): x is { id: string; v: number } => typeof x.v === "number" && Number.isFinite(x.v));
    if (scored.length === 0) continue;
    const top = metric.higher_is_better ? Math.max(...scored.map((x) => x.v)) : Math.min(...scored.map((x) => x.v));
    best[metric.id] = scored.filter((x) => x.v === top).map((x) => x.id);
  }
  return best;
}

/** One evaluation folder: its metrics (percent) and, for TRACE, its breakdowns. */
export interface EvalFolderMetrics {
  metrics: MetricInfo[];
  values: Record<string, number>;
  by_constraints_num?: Record<string, { pct: number; n: number }>;
  by_dimension?: Record<string, { pct: number; n: number }>;
}

const pctMetric = (id: string, label: string, group: string, description: string): MetricInfo => ({
  id,
  label,
  group,
  unit: "%",
  higher_is_better: true,
  description,
});

const TRACE_METRICS: MetricInfo[] = [
  pctMetric("if_s", "IF-S", "TRACE", "instructions with one constraint whose every constraint the judge scored 10"),
  pctMetric("if_m", "IF-M", "TRACE", "instructions with two or more constraints, every constraint scored 10"),
  pctMetric("if_all", "IF", "TRACE", "all instructions, every constraint scored 10 (paper eq. 3)"),
  pctMetric("if_overall", "IF (overall)", "TRACE", "the judge's `Constraints Overall Score: [[10]]` (released code)"),
  pctMetric("if_hybrid", "IF (hybrid)", "TRACE", "IF, vetoed where a rule check fails"),
];

const IFEVAL_METRICS: MetricInfo[] = [
  pctMetric("prompt_level_strict_acc", "prompt strict", "IFEval", "prompts whose every instruction is followed"),
  pctMetric("inst_level_strict_acc", "instr. strict", "IFEval", "instructions followed"),
  pctMetric("prompt_level_loose_acc", "prompt loose", "IFEval", "prompt level, loose (response variants)"),
  pctMetric("inst_level_loose_acc", "instr. loose", "IFEval", "instruction level, loose"),
];

const CFBENCH_METRICS: MetricInfo[] = [
  pctMetric("cfbench_csr", "CSR", "CFBench", "constraint satisfaction rate"),
  pctMetric("cfbench_isr", "ISR", "CFBench", "instruction satisfaction rate"),
  pctMetric("cfbench_psr", "PSR", "CFBench", "priority satisfaction rate"),
];

const COMPLEXBENCH_METRICS: MetricInfo[] = [
  pctMetric("complexbench_drfr", "DRFR", "ComplexBench", "decomposed requirements following ratio"),
];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Metrics of one evaluation folder in percent, by the kind of evaluation. */
export function readEvalMetrics(dir: string, kind: FolderKind): EvalFolderMetrics {
  const values: Record<string, number> = {};
  const put = (id: string, v: unknown, scale = 1) => {
    if (finite(v)) values[id] = v * scale;
  };
  if (kind === "eval-trace") {
    const m = obj(readJson(join(dir, "metrics.json")));
    const pct = (r: unknown) => obj(r).pct;
    put("if_s", pct(obj(m.IF_S).IF));
    put("if_m", pct(obj(m.IF_M).IF));
    put("if_all", pct(m.IF));
    put("if_overall", pct(m.IF_overall));
    put("if_hybrid", pct(m.IF_hybrid));
    const byNum: Record<string, { pct: number; n: number }> = {};
    for (const [k, v] of Object.entries(obj(m.by_constraints_num))) {
      const r = obj(obj(v).IF);
      if (finite(r.pct) && finite(r.n)) byNum[k] = { pct: r.pct, n: r.n };
    }
    const byDim: Record<string, { pct: number; n: number }> = {};
    for (const [k, v] of Object.entries(obj(m.by_dimension))) {
      const r = obj(obj(v).constraints);
      if (finite(r.pct) && finite(r.n)) byDim[k] = { pct: r.pct, n: r.n };
    }
    return { metrics: TRACE_METRICS, values, by_constraints_num: byNum, by_dimension: byDim };
  }
  if (kind === "eval-ifeval") {
    const m = obj(readJson(join(dir, "metrics.json")));
    for (const x of IFEVAL_METRICS) put(x.id, m[x.id], 100);
    return { metrics: IFEVAL_METRICS, values };
  }
  if (kind === "eval-cfbench") {
    const m = obj(readJson(join(dir, "cfbench_metrics.json")));
    put("cfbench_csr", m.CSR, 100);
    put("cfbench_isr", m.ISR, 100);
    put("cfbench_psr", m.PSR, 100);
    return { metrics: CFBENCH_METRICS, values };
  }
  if (kind === "eval-complexbench") {
    const m = obj(readJson(join(dir, "complexbench_metrics.json")));
    put("complexbench_drfr", m.overall_drfr, 100);
    return { metrics: COMPLEXBENCH_METRICS, values };
  }
  throw new Error(`not an evaluation folder kind: ${kind}`);
}

const single = (v: number): Stat => ({ mean: v, std: 0, min: v, max: v, n: 1 });

/** The results section of evaluation folders given directly: one row per folder, labelled by its path. */
export function resultsFromEvalFolders(
  folders: readonly { label: string; kind: FolderKind; m: EvalFolderMetrics }[],
): ResultsSection {
  const methods: MethodInfo[] = [];
  const metrics: MetricInfo[] = [];
  const summary: ResultsSection["summary"] = {};
  const values: ResultsSection["values"] = {};
  const byNum: ResultsSection["by_constraints_num"] = {};
  const byDim: ResultsSection["by_dimension"] = {};
  for (const f of folders) {
    const id = f.label;
    methods.push({ id, label: f.label, kind: "method", description: `${f.kind} folder ${f.label}` });
    for (const metric of f.m.metrics) if (!metrics.some((x) => x.id === metric.id)) metrics.push(metric);
    for (const [metric, v] of Object.entries(f.m.values)) {
      (summary[id] ??= {})[metric] = single(v);
      (values[id] ??= {})[metric] = [{ seed: 0, value: v }];
    }
    const slice = (x: { pct: number; n: number }): SliceStat => ({ ...single(x.pct), items: x.n });
    if (f.m.by_constraints_num && Object.keys(f.m.by_constraints_num).length)
      byNum[id] = Object.fromEntries(Object.entries(f.m.by_constraints_num).map(([k, v]) => [k, slice(v)]));
    if (f.m.by_dimension && Object.keys(f.m.by_dimension).length)
      byDim[id] = Object.fromEntries(Object.entries(f.m.by_dimension).map(([k, v]) => [k, slice(v)]));
  }
  // Keep only the columns some row has.
  const used = metrics.filter((m) => methods.some((x) => summary[x.id]?.[m.id] !== undefined));
  return {
    from: "eval-folders",
    seeds: [],
    methods,
    metrics: used,
    summary,
    values,
    best: bestPerMetric(methods, used, summary),
    by_constraints_num: byNum,
    by_dimension: byDim,
    verdict: [],
    phases: [],
    failed: [],
  };
}
