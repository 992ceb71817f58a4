/**
 * `results.json`: what one experiment (`iopo demo`, `iopo experiment -c PLAN.yaml`) measured - every method x seed x
 * metric, their mean and spread over seeds, breakdowns, and the wall time of each phase. It is the contract between
 * the orchestrator (src/experiment/) and its readers (results.md, `iopo report`, users' own scripts), so it is
 * versioned by `schema` and holds only plain JSON.
 *
 * Reading it:
 *   const r = JSON.parse(readFileSync("runs/demo/results.json", "utf8")) as ExperimentResults;
 *   r.summary.iopo.if_m.mean;          // IOPO's mean IF-M over seeds, in percent
 *   r.runs.filter((x) => x.method === "dpo").map((x) => x.metrics.if_m);   // per seed
 */

export const RESULTS_SCHEMA = "iopo.results/1";

/** Mean and spread of one metric over seeds. `std` is the sample standard deviation (n - 1; 0 when n = 1). */
export interface Stat {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Seeds with a value (a seed whose run failed or lacks the metric is not counted). */
  n: number;
}

/** One row of the results table: a trained method, or a starting point (base, SFT) evaluated as it is. */
export interface MethodInfo {
  /** Key used everywhere below (`iopo`, `dpo`, `sft`, `base`, ...). */
  id: string;
  /** Display name (`IOPO`, `DPO*`, `w/o input pref.`). */
  label: string;
  /** `start`: a checkpoint every method starts from (evaluated once, not per seed); `method`: trained per seed. */
  kind: "start" | "method";
  /** One line: what the method optimises and on which data, citing the paper where it comes from. */
  description: string;
}

/** One column of the results table. */
export interface MetricInfo {
  /** Key in `RunResult.metrics` and `summary` (`if_s`, `if_m`, `if_ood`, `pref_acc`, `prompt_level_strict_acc`...). */
  id: string;
  label: string;
  /** Section of the table (`TRACE-style`, `preference`, `IFEval`, `CFBench`, `ComplexBench`). */
  group: string;
  /** `%` for rates reported in percent (0-100); empty for plain numbers. */
  unit: "%" | "";
  higher_is_better: boolean;
  description: string;
}

/** One trained (or evaluated) model: a method at a seed. */
export interface RunResult {
  method: string;
  /** The seed of this run (for `start` rows: the experiment's first seed). */
  seed: number;
  status: "done" | "failed" | "skipped";
  /** Why, when not done. */
  error?: string;
  /** metric id -> value (percent for `%` metrics), null when it could not be computed. */
  metrics: Record<string, number | null>;
  /** Relative to the run folder: the model / train output folder, and the evaluation folder of this run. */
  model_dir?: string;
  train_dir?: string;
  eval_dir?: string;
  /** Optimizer steps taken and training examples seen (same settings for every method: see `plan`). */
  steps?: number;
  examples?: number;
  train_seconds?: number;
  eval_seconds?: number;
  /** ppo: the reward model it trained against (relative to the run folder) and that model's training seconds. */
  reward_model_dir?: string;
  reward_model_seconds?: number;
}

/** IF-style rate of one method on a slice of the evaluation items (per seed, then summarised). */
export interface SliceStat extends Stat {
  /** Items in the slice. */
  items: number;
}

export interface ExperimentResults {
  schema: typeof RESULTS_SCHEMA;
  /** The plan's name (`demo`, or what the plan file says). */
  name: string;
  /** ISO time the results were written. */
  created: string;
  /** The resolved plan, as run (every default filled in). */
  plan: Record<string, unknown>;
  /** How spread is reported in tables: the sample standard deviation over seeds (min and max are kept too). */
  spread: "std";
  seeds: number[];
  /** Rows, in display order (starting points first). */
  methods: MethodInfo[];
  /** Columns, in display order. */
  metrics: MetricInfo[];
  runs: RunResult[];
  /** method id -> metric id -> mean and spread over seeds. */
  summary: Record<string, Record<string, Stat>>;
  breakdowns: {
    /** method -> number of constraints ("1", "2", ...) -> IF rate (percent) over seeds. */
    by_constraints_num: Record<string, Record<string, SliceStat>>;
    /** method -> taxonomy dimension key -> rate (percent) of constraints of that dimension satisfied. */
    by_dimension: Record<string, Record<string, SliceStat>>;
  };
  /** Wall time of each phase of this invocation (a resumed phase shows the time it took now). */
  phases: { name: string; seconds: number; resumed?: boolean }[];
  /** Plain sentences comparing the methods as measured (e.g. whether IOPO beat DPO on IF-M beyond the spread). */
  verdict: string[];
  /** Relative paths of the data the experiment trained and evaluated on (trace records, pairs, groups, eval set). */
  data: Record<string, string>;
}
