import type { MethodInfo, MetricInfo, SliceStat, Stat } from "../experiment/results.js";
import type { TraceStats } from "../trace/stats.js";

/**
 * What the report page shows, assembled in Node from run folders and embedded in the page as one JSON document
 * (src/report/html.ts). Only plain JSON; every section is absent when no folder had its data. The page script
 * (src/report/page.ts) reads nothing else.
 */
export const REPORT_SCHEMA = "iopo.report/1";

export interface ReportData {
  schema: typeof REPORT_SCHEMA;
  title: string;
  /** ISO time the page was written. */
  created: string;
  /** The iopo version that wrote the page. */
  version: string;
  /** Every folder read, with the kind it was recognised as (paths as given, or relative to the folder given). */
  sources: { path: string; kind: FolderKind; note?: string }[];
  /** Things that could not be read or shown (a missing file, a run that failed); shown at the top of the page. */
  warnings: string[];
  data?: DataSection;
  training?: TrainingSection;
  results?: ResultsSection;
  items?: ItemsSection;
}

export type FolderKind =
  | "experiment"
  | "trace-build"
  | "pairs-iopo"
  | "pairs-dpo"
  | "train"
  | "eval-trace"
  | "eval-ifeval"
  | "eval-cfbench"
  | "eval-complexbench"
  | "trace-file";

// ---- 1. Data --------------------------------------------------------------------------------------------------

export interface DataSection {
  /** Table 1/2 figures and distributions of TRACE files (trace build output, an evaluation set). */
  stats: { label: string; source: string; stats: TraceStats }[];
  /** Dimension name -> its constraint type (for colouring the distribution chart). */
  dimension_types: Record<string, string>;
  funnels: Funnel[];
  operations: OperationMix[];
}

export interface FunnelStage {
  stage: string;
  rows_in: number;
  rows_out: number;
  rejected: number;
  parse_failures: number;
  call_failures: number;
  /** Rejects by reason. */
  reasons: Record<string, number>;
}

export interface Funnel {
  label: string;
  source: string;
  /** `trace build`, `pairs iopo`, `pairs dpo`. */
  job: string;
  rows_in: number;
  rows_out: number;
  rejected: number;
  parse_failures: number;
  call_failures: number;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  stages: FunnelStage[];
}

export interface OperationMix {
  label: string;
  source: string;
  /** Kept IOPO groups per operation (add, delete, revise). */
  mix: Record<string, number>;
  /** Where the counts come from: the summary's `operation_*` keys, or a count over iopo_groups.jsonl. */
  from: "summary" | "groups";
}

// ---- 2. Training ----------------------------------------------------------------------------------------------

/** Columns of a trainer log: `step` and one array per metric (null where a row lacks it). */
export interface LogTable {
  step: number[];
  cols: Record<string, (number | null)[]>;
}

export interface TrainingRun {
  label: string;
  source: string;
  method?: string;
  seed?: number;
  /** Training rows (those with `loss` or any non-`eval_` metric). */
  train: LogTable;
  /** Evaluation rows (`eval_` metrics). */
  eval: LogTable;
  /** Last logged step, and the run's total steps when logged. */
  last_step: number;
  total_steps?: number;
}

export interface TrainingChart {
  id: string;
  title: string;
  /** `train` rows or `eval` rows. */
  table: "train" | "eval";
  /** Log keys drawn on these axes (e.g. rewards/margins, rewards/margins_v1, rewards/margins_v2). */
  keys: string[];
}

export interface TrainingSection {
  runs: TrainingRun[];
  charts: TrainingChart[];
}

// ---- 3. Results -----------------------------------------------------------------------------------------------

export interface ResultsSection {
  /** `results.json` of an experiment, or metrics files of evaluation folders (one row per folder, n = 1). */
  from: "experiment" | "eval-folders";
  name?: string;
  seeds: number[];
  methods: MethodInfo[];
  metrics: MetricInfo[];
  /** method -> metric -> mean and spread over seeds. */
  summary: Record<string, Record<string, Stat>>;
  /** method -> metric -> the value of each seed (for the dots beside the bars). */
  values: Record<string, Record<string, { seed: number; value: number }[]>>;
  /** metric -> the method ids with the best mean (ties all marked). */
  best: Record<string, string[]>;
  /** method -> number of constraints -> IF rate (percent). */
  by_constraints_num: Record<string, Record<string, SliceStat>>;
  /** method -> dimension display name -> share of constraints satisfied (percent). */
  by_dimension: Record<string, Record<string, SliceStat>>;
  verdict: string[];
  phases: { name: string; seconds: number; resumed?: boolean }[];
  /** Runs that did not finish, with why. */
  failed: { method: string; seed: number; status: string; error?: string }[];
}

// ---- 4. Items -------------------------------------------------------------------------------------------------

/**
 * Evaluated items of one benchmark, compact: every text sits once in `strings` and is referenced by index, item
 * fields are shared by all runs, and each run holds one small record per item (null where the run lacks it).
 */
export interface ItemsBenchmark {
  id: "trace" | "ifeval";
  label: string;
  /** What `pass` means on this benchmark. */
  pass_label: string;
  strings: string[];
  dimensions: string[];
  items: ItemInfo[];
  runs: ItemRun[];
}

export interface ItemInfo {
  id: string;
  /** Number of constraints. */
  n: number;
  /** The instruction shown to the model (string index), -1 when unknown. */
  text: number;
  /** Constraint texts (string indices); IFEval: instruction ids. */
  cons: number[];
  /** Dimension of each constraint (index into `dimensions`, -1 unknown). */
  dims: number[];
}

export interface ItemRun {
  method: string;
  label: string;
  seed: number | null;
  source: string;
  /** One result per item (same order as `items`), null when this run did not evaluate it. */
  results: (ItemResult | null)[];
}

export interface ItemResult {
  /** 1 passed (TRACE: every constraint scored 10; IFEval: strict), 0 failed. */
  p: 0 | 1;
  /** Response (string index). */
  r: number;
  /** TRACE: per-constraint judge scores (null when unreadable). */
  s?: (number | null)[] | null;
  /** TRACE: `Constraints Overall Score: [[x]]`. */
  o?: number | null;
  /** TRACE: judge text of the last round (string index), and why the scores could not be used. */
  j?: number;
  e?: number;
  /** TRACE: other readings: overall = 10, hybrid (rule veto). */
  po?: 0 | 1;
  ph?: 0 | 1;
  /** TRACE: rule check per constraint: [verdict 0 none / 1 pass / 2 fail, coverage 0 none / 1 full / 2 partial, evidence]. */
  u?: [number, number, number][];
  /** IFEval: per-instruction strict and loose verdicts (1/0), and the loose prompt-level verdict. */
  st?: number[];
  lo?: number[];
  pl?: 0 | 1;
}

export interface ItemsSection {
  benchmarks: ItemsBenchmark[];
}
