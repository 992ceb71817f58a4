import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { DataError } from "../data/errors.js";
import type { ExperimentResults } from "../experiment/results.js";
import { packageVersion } from "../util/paths.js";
import { emptyDataSection, readFunnel, readOperationMix, traceFileStats } from "./data-section.js";
import { findRunFolders, folderKind, readJson } from "./detect.js";
import { type ItemRunInput, ifevalItems, traceItems } from "./items-section.js";
import { type FolderKind, REPORT_SCHEMA, type ReportData, type ResultsSection, type TrainingRun } from "./model.js";
import {
  bestPerMetric,
  type EvalFolderMetrics,
  readEvalMetrics,
  resultsFromEvalFolders,
  resultsFromExperiment,
} from "./results-section.js";
import { readTrainingRun, trainingSection } from "./training-section.js";

/**
 * Run folders -> the data of the page. Each path given is recognised by its files (src/report/detect.ts); a folder
 * of no known kind is searched below for folders that are. An experiment folder is read through its results.json:
 * the runs' train and eval folders and the data paths it lists, then any other data or train folder inside it.
 */

interface Collected {
  sources: ReportData["sources"];
  warnings: string[];
  seen: Set<string>;
  data: ReturnType<typeof emptyDataSection>;
  training: TrainingRun[];
  experiments: ResultsSection[];
  evalFolders: { label: string; kind: FolderKind; m: EvalFolderMetrics }[];
  traceRuns: ItemRunInput[];
  ifevalRuns: ItemRunInput[];
  titles: string[];
  /** Labels given to folders read directly (rows of the results table, runs of the curves). */
  labels: Set<string>;
}

const EVAL_KINDS: ReadonlySet<FolderKind> = new Set(["eval-trace", "eval-ifeval", "eval-cfbench", "eval-complexbench"]);

/** Read every run folder (or TRACE file) in `paths` and assemble the report's data. */
export function assembleReport(paths: readonly string[], options: { title?: string } = {}): ReportData {
  if (paths.length === 0) throw new Error("no run folder given");
  const c: Collected = {
    sources: [],
    warnings: [],
    seen: new Set(),
    data: emptyDataSection(),
    training: [],
    experiments: [],
    evalFolders: [],
    traceRuns: [],
    ifevalRuns: [],
    titles: [],
    labels: new Set(),
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new DataError(p, undefined, undefined, "no such file or folder");
    const kind = folderKind(p);
    if (kind) {
      addFolder(c, p, p, kind);
      continue;
    }
    if (!statSync(p).isDirectory())
      throw new DataError(p, undefined, undefined, "not a run folder (only TRACE .jsonl files are read as files)");
    const found = findRunFolders(p);
    if (found.length === 0)
      throw new DataError(
        p,
        undefined,
        undefined,
        "no iopo output found here or below (results.json, trace.jsonl + summary.json, iopo_groups.jsonl, " +
          "dpo_pairs.jsonl, trainer_log.jsonl, results.jsonl + metrics.json, eval_results_strict.jsonl, " +
          "cfbench_metrics.json, complexbench_metrics.json)",
      );
    for (const f of found) addFolder(c, f.path, f.rel === "." ? p : join(p, f.rel), f.kind);
  }

  const report: ReportData = {
    schema: REPORT_SCHEMA,
    title: options.title ?? (c.titles.length ? c.titles.join(", ") : "iopo report"),
    created: new Date().toISOString(),
    version: packageVersion(),
    sources: c.sources,
    warnings: c.warnings,
  };
  const d = c.data;
  const jobRank = (j: string) => ["trace build", "pairs iopo", "pairs dpo"].indexOf(j);
  d.funnels.sort((a, b) => jobRank(a.job) - jobRank(b.job));
  if (d.stats.length || d.funnels.length || d.operations.length) report.data = d;
  if (c.training.length) report.training = trainingSection(c.training);
  const results = mergeResults([
    ...c.experiments,
    ...(c.evalFolders.length ? [resultsFromEvalFolders(c.evalFolders)] : []),
  ]);
  if (results) report.results = results;
  const warn = (w: string) => c.warnings.push(w);
  const benchmarks = [
    ...(c.traceRuns.length ? [traceItems(c.traceRuns, warn)] : []),
    ...(c.ifevalRuns.length ? [ifevalItems(c.ifevalRuns, warn)] : []),
  ].filter((b) => b.items.length > 0);
  if (benchmarks.length) report.items = { benchmarks };
  return report;
}

/** Mark a folder as read; false when it was read already (given twice, or both directly and through a run). */
function firstVisit(c: Collected, path: string): boolean {
  const key = realpathSync(path);
  if (c.seen.has(key)) return false;
  c.seen.add(key);
  return true;
}

function addFolder(c: Collected, path: string, shown: string, kind: FolderKind, note?: string): void {
  if (!firstVisit(c, path)) return;
  c.sources.push({ path: shown, kind, ...(note ? { note } : {}) });
  switch (kind) {
    case "experiment":
      addExperiment(c, path, shown);
      return;
    case "trace-build":
      c.data.stats.push({ label: shown, source: shown, stats: traceFileStats(join(path, "trace.jsonl")) });
      c.data.funnels.push(readFunnel(path, shown, "trace build"));
      return;
    case "trace-file":
      c.data.stats.push({ label: shown, source: shown, stats: traceFileStats(path) });
      return;
    case "pairs-iopo":
    case "pairs-dpo":
      if (!existsSync(join(path, "summary.json"))) {
        c.warnings.push(`${shown}: no summary.json (the pairs run has not finished); its funnel is not shown`);
      } else c.data.funnels.push(readFunnel(path, shown, kind === "pairs-iopo" ? "pairs iopo" : "pairs dpo"));
      if (kind === "pairs-iopo") c.data.operations.push(readOperationMix(path, shown));
      return;
    case "train":
      c.training.push(readTrainingRun(path, uniqueLabel(c, shown)));
      return;
    default:
      if (EVAL_KINDS.has(kind)) {
        const label = uniqueLabel(c, shown);
        addEval(c, path, label, kind, { method: label, label, seed: null });
      }
  }
}

function addEval(
  c: Collected,
  path: string,
  shown: string,
  kind: FolderKind,
  who: { method: string; label: string; seed: number | null; dataFile?: string },
  withMetrics = true,
): void {
  if (withMetrics) c.evalFolders.push({ label: who.label, kind, m: readEvalMetrics(path, kind) });
  const input: ItemRunInput = { dir: path, source: shown, ...who };
  if (kind === "eval-trace") c.traceRuns.push(input);
  if (kind === "eval-ifeval") c.ifevalRuns.push(input);
}

function addExperiment(c: Collected, dir: string, shown: string): void {
  const file = join(dir, "results.json");
  const r = readJson(file) as ExperimentResults;
  const results = resultsFromExperiment(r, file);
  c.experiments.push(results);
  if (typeof r.name === "string" && r.name) c.titles.push(r.name);
  const inside = (rel: string) => (isAbsolute(rel) ? rel : resolve(dir, rel));
  const shownInside = (rel: string) => (isAbsolute(rel) ? rel : join(shown, rel));
  const label = new Map(r.methods.map((m) => [m.id, m.label]));
  for (const x of results.failed)
    c.warnings.push(`${label.get(x.method) ?? x.method} seed ${x.seed}: ${x.status}${x.error ? ` (${x.error})` : ""}`);

  // The evaluation set: a data entry that is a .jsonl file named like an evaluation set.
  const evalSet = Object.entries(r.data ?? {}).find(([k, v]) => /eval/i.test(k) && String(v).endsWith(".jsonl"))?.[1];
  const evalData = evalSet ? inside(String(evalSet)) : undefined;

  // Data first (as listed), then each run's training log and evaluation.
  for (const [key, rel] of Object.entries(r.data ?? {})) {
    if (typeof rel !== "string") continue;
    const p = inside(rel);
    if (!existsSync(p)) {
      c.warnings.push(`${shown}: data "${key}" (${rel}) not found`);
      continue;
    }
    const kind = folderKind(p);
    const parentKind = statSync(p).isFile() ? folderKind(dirname(p)) : undefined;
    if (parentKind && parentKind !== "trace-file" && !EVAL_KINDS.has(parentKind))
      addFolder(c, dirname(p), shownInside(dirname(rel)), parentKind, `data: ${key}`);
    else if (kind === "trace-file" && !holdsTraceRecords(p))
      // a plan's own data files may be TRL pairs or Alpaca rows: no Table 1/2 statistics for those
      c.warnings.push(`${shown}: data "${key}" (${rel}) holds no TRACE records; no statistics shown for it`);
    else if (kind && kind !== "experiment" && !EVAL_KINDS.has(kind))
      addFolder(c, p, shownInside(rel), kind, `data: ${key}`);
  }
  for (const run of r.runs) {
    const who = `${label.get(run.method) ?? run.method}${run.seed !== undefined ? ` · seed ${run.seed}` : ""}`;
    if (run.train_dir) {
      const p = inside(run.train_dir);
      if (existsSync(join(p, "trainer_log.jsonl"))) {
        if (firstVisit(c, p)) {
          c.sources.push({ path: shownInside(run.train_dir), kind: "train", note: who });
          c.training.push(readTrainingRun(p, who, { method: run.method, seed: run.seed }));
        }
      } else if (run.status === "done") c.warnings.push(`${who}: no trainer_log.jsonl in ${run.train_dir}`);
    }
    if (run.eval_dir) {
      // The run's evaluation folder, or the evaluation folders inside it (one per benchmark).
      const p = inside(run.eval_dir);
      const found = existsSync(p) ? findRunFolders(p, 2).filter((f) => EVAL_KINDS.has(f.kind)) : [];
      for (const f of found) {
        if (!firstVisit(c, f.path)) continue;
        const where = f.rel === "." ? shownInside(run.eval_dir) : join(shownInside(run.eval_dir), f.rel);
        c.sources.push({ path: where, kind: f.kind, note: who });
        const data = f.kind === "eval-trace" && evalData ? { dataFile: evalData } : {};
        addEval(c, f.path, where, f.kind, { method: run.method, label: who, seed: run.seed, ...data }, false);
      }
      if (found.length === 0 && run.status === "done")
        c.warnings.push(`${who}: no evaluation output in ${run.eval_dir}`);
    }
  }
  // Anything else inside the run folder that shows data or training (e.g. the SFT starting point's log).
  for (const f of findRunFolders(dir, 4)) {
    if (f.rel === "." || EVAL_KINDS.has(f.kind) || f.kind === "experiment") continue;
    addFolder(c, f.path, join(shown, f.rel), f.kind);
  }
}

/** One results table from several sources (rows appended in order; a method id seen twice keeps the first). */
function mergeResults(parts: ResultsSection[]): ResultsSection | undefined {
  const nonEmpty = parts.filter((p) => p.methods.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0];
  const [first, ...rest] = nonEmpty;
  const out: ResultsSection = structuredClone(first);
  for (const p of rest) {
    for (const m of p.methods) {
      if (out.methods.some((x) => x.id === m.id)) continue;
      out.methods.push(m);
      out.summary[m.id] = p.summary[m.id] ?? {};
      out.values[m.id] = p.values[m.id] ?? {};
      if (p.by_constraints_num[m.id]) out.by_constraints_num[m.id] = p.by_constraints_num[m.id];
      if (p.by_dimension[m.id]) out.by_dimension[m.id] = p.by_dimension[m.id];
    }
    for (const metric of p.metrics) if (!out.metrics.some((x) => x.id === metric.id)) out.metrics.push(metric);
    out.verdict.push(...p.verdict);
    out.phases.push(...p.phases);
    out.failed.push(...p.failed);
  }
  out.best = bestPerMetric(out.methods, out.metrics, out.summary);
  return out;
}

/** A short name for a path: its last two parts when the last is generic (`seed-1`, `out`), else the last. */
export function shortName(path: string): string {
  const base = basename(resolve(path));
  const parent = basename(dirname(resolve(path)));
  return /^(seed-?\d+|out|output|results?|eval|train|\.)$/i.test(base) ? `${parent}/${base}` : base;
}

/** The short name of a folder, or its path as given when another folder already has that short name. */
function uniqueLabel(c: Collected, shown: string): string {
  let label = shortName(shown);
  if (c.labels.has(label)) label = shown;
  c.labels.add(label);
  return label;
}

/** Whether the first row of a JSONL file is a TRACE record (has constraints_num or constraints_splits). */
function holdsTraceRecords(file: string): boolean {
  const first = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.trim() !== "");
  if (first === undefined) return false;
  try {
    const row = JSON.parse(first) as Record<string, unknown>;
    return typeof row.constraints_num === "number" || Array.isArray(row.constraints_splits);
  } catch {
    return false;
  }
}
