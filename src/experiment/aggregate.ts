import type { CheckpointEval } from "./evaluate.js";
import type { ExperimentResults, MethodInfo, MetricInfo, RunResult, SliceStat, Stat } from "./results.js";

/**
 * From per-run values to the results table: mean and sample standard deviation over seeds (n - 1; min and max
 * kept), breakdowns per number of constraints and per dimension, and the verdict sentences - which compare
 * methods seed by seed (every method saw the same seeds), so "IOPO > DPO in 3 of 3 seeds" is a paired statement.
 */

export const METRICS: MetricInfo[] = [
  {
    id: "if_s",
    label: "IF-S",
    group: "TRACE-style",
    unit: "%",
    higher_is_better: true,
    description: "instructions with one constraint whose every constraint is met (paper eq. 3)",
  },
  {
    id: "if_m",
    label: "IF-M",
    group: "TRACE-style",
    unit: "%",
    higher_is_better: true,
    description: "instructions with 2 or more constraints (up to the most seen in training) fully met",
  },
  {
    id: "if_ood",
    label: "IF-OOD",
    group: "TRACE-style",
    unit: "%",
    higher_is_better: true,
    description: "instructions with more constraints than any training instruction, fully met",
  },
  {
    id: "if_all",
    label: "IF (all)",
    group: "TRACE-style",
    unit: "%",
    higher_is_better: true,
    description: "every evaluation instruction, fully met",
  },
  {
    id: "constraint_acc",
    label: "constraints met",
    group: "TRACE-style",
    unit: "%",
    higher_is_better: true,
    description: "share of single constraints met, over all evaluation instructions",
  },
  {
    id: "pref_acc",
    label: "pref. acc.",
    group: "preference",
    unit: "%",
    higher_is_better: true,
    description:
      "held-out IOPO groups ranked right on both inputs: log p(y1|x1) > log p(y2|x1) and log p(y2|x2) > log p(y1|x2)",
  },
  {
    id: "pref_acc_x1",
    label: "pref. acc. x1",
    group: "preference",
    unit: "%",
    higher_is_better: true,
    description: "held-out groups with log p(y1|x1) > log p(y2|x1)",
  },
  {
    id: "pref_acc_x2",
    label: "pref. acc. x2",
    group: "preference",
    unit: "%",
    higher_is_better: true,
    description: "held-out groups with log p(y2|x2) > log p(y1|x2)",
  },
  ...[
    ["prompt_level_strict_acc", "P-S", "prompts whose every instruction holds on the response itself"],
    ["inst_level_strict_acc", "I-S", "instructions that hold on the response itself"],
    ["prompt_level_loose_acc", "P-L", "prompts whose every instruction holds on one of the 8 loose variants"],
    ["inst_level_loose_acc", "I-L", "instructions that hold on one of the 8 loose variants"],
  ].map(([id, label, description]) => benchmarkMetric("IFEval", `ifeval/${id}`, label, description)),
  ...[
    ["CSR", "share of an item's criteria met, averaged over items"],
    ["ISR", "items whose every criterion is met"],
    ["PSR", "items whose primary needs are all met and secondary needs mostly met (upstream's priority rule)"],
  ].map(([id, description]) => benchmarkMetric("CFBench", `cfbench/${id}`, id, description)),
  benchmarkMetric("ComplexBench", "complexbench/DRFR", "DRFR", "scoring questions met, with dependency masking"),
];

function benchmarkMetric(group: string, id: string, label: string, description: string): MetricInfo {
  const short = group === "ComplexBench" ? "CB" : group === "CFBench" ? "CFB" : "IFEval";
  return {
    id,
    label: `${short} ${label}`,
    group,
    unit: "%",
    higher_is_better: true,
    description: `${group}: ${description} (\`iopo eval ${group.toLowerCase()}\`)`,
  };
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values), n };
}

/** One run's outcome with its evaluation, for the aggregation. */
export interface RunOutcome extends RunResult {
  eval?: CheckpointEval;
}

export interface AggregateInput {
  name: string;
  plan: Record<string, unknown>;
  seeds: number[];
  methods: MethodInfo[];
  runs: RunOutcome[];
  phases: ExperimentResults["phases"];
  data: Record<string, string>;
  /** Metrics reported; those no run has are dropped. */
  metrics?: MetricInfo[];
}

export function aggregate(input: AggregateInput): ExperimentResults {
  const candidates = input.metrics ?? METRICS;
  const metrics = candidates.filter((m) => input.runs.some((r) => typeof r.metrics[m.id] === "number"));
  const summary: ExperimentResults["summary"] = {};
  const byNum: ExperimentResults["breakdowns"]["by_constraints_num"] = {};
  const byDim: ExperimentResults["breakdowns"]["by_dimension"] = {};
  for (const m of input.methods) {
    const runs = input.runs.filter((r) => r.method === m.id && r.status === "done");
    summary[m.id] = {};
    for (const metric of metrics) {
      const values = runs.map((r) => r.metrics[metric.id]).filter((v): v is number => typeof v === "number");
      if (values.length > 0) summary[m.id][metric.id] = stat(values);
    }
    byNum[m.id] = slices(runs.map((r) => r.eval?.byConstraintsNum));
    byDim[m.id] = slices(runs.map((r) => r.eval?.byDimension));
  }
  return {
    schema: "iopo.results/1",
    name: input.name,
    created: new Date().toISOString(),
    plan: input.plan,
    spread: "std",
    seeds: input.seeds,
    methods: input.methods,
    metrics,
    runs: input.runs.map(({ eval: _e, ...r }) => r),
    summary,
    breakdowns: { by_constraints_num: byNum, by_dimension: byDim },
    phases: input.phases,
    verdict: verdict(input.methods, input.runs, summary, metrics),
    data: input.data,
  };
}

/** Per slice key: the rate (percent) per seed, summarised; `items` is the slice's size. */
function slices(perRun: readonly (Record<string, [number, number]> | undefined)[]): Record<string, SliceStat> {
  const keys = new Set(perRun.flatMap((r) => (r ? Object.keys(r) : [])));
  const out: Record<string, SliceStat> = {};
  for (const k of [...keys].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))) {
    const cells = perRun.map((r) => r?.[k]).filter((c): c is [number, number] => c !== undefined && c[1] > 0);
    out[k] = { ...stat(cells.map(([a, n]) => (100 * a) / n)), items: cells[0]?.[1] ?? 0 };
  }
  return out;
}

/** "mean ± std" (just the mean for a single value), "n/a" when nothing was measured. */
const fmt = (s: Stat | undefined) =>
  !s || s.n === 0 ? "n/a" : `${s.mean.toFixed(1)}${s.n > 1 ? ` ± ${s.std.toFixed(1)}` : ""}`;

/**
 * Plain sentences on what the numbers say about the paper's claim, as measured: IOPO against DPO and against SFT
 * continued on the same prompts, on the headline metrics, seed by seed; then one sentence on whether the claim
 * (IOPO above both on IF-M) holds here. Never tuned, never softened: a loss is reported as a loss.
 */
export function verdict(
  methods: readonly MethodInfo[],
  runs: readonly RunOutcome[],
  summary: ExperimentResults["summary"],
  metrics: readonly MetricInfo[],
): string[] {
  const has = (id: string) => methods.some((m) => m.id === id);
  if (!has("iopo")) return ["IOPO is not among the methods of this plan; no comparison with the paper's claim."];
  const headline = [
    "if_m",
    "if_ood",
    "if_s",
    "pref_acc",
    "ifeval/prompt_level_strict_acc",
    "cfbench/PSR",
    "complexbench/DRFR",
  ].filter((k) => metrics.some((m) => m.id === k));
  const label = (id: string) => methods.find((m) => m.id === id)?.label ?? id;
  const metricLabel = (id: string) => metrics.find((m) => m.id === id)?.label ?? id;
  const out: string[] = [];
  const claim: { other: string; diff: number; wins?: { wins: number; n: number }; beyond: boolean }[] = [];
  for (const other of ["dpo", "sft_continued"].filter(has)) {
    for (const k of headline) {
      const a = summary.iopo?.[k];
      const b = summary[other]?.[k];
      if (!a || !b || a.n === 0 || b.n === 0) continue;
      const diff = a.mean - b.mean;
      const wins = pairedWins(runs, "iopo", other, k);
      const beyond = a.n > 1 && b.n > 1 && Math.abs(diff) > a.std + b.std;
      if (k === "if_m") claim.push({ other, diff, wins, beyond });
      const how =
        a.n > 1 && b.n > 1
          ? `${wins ? `IOPO higher in ${wins.wins} of ${wins.n} seeds; ` : ""}the gap is ${beyond ? "larger" : "smaller"} than the two standard deviations together`
          : "one seed: no spread to judge the gap by";
      out.push(
        `${metricLabel(k)}: IOPO ${fmt(a)} vs ${label(other)} ${fmt(b)}: ${diff >= 0 ? "+" : ""}${diff.toFixed(1)} points (${how}).`,
      );
    }
  }
  if (claim.length > 0) {
    const won = claim.filter((c) => c.diff > 0);
    const solid = won.filter((c) => c.beyond && (!c.wins || c.wins.wins === c.wins.n));
    const names = (cs: typeof claim) => cs.map((c) => label(c.other)).join(" and ");
    out.push(
      won.length === claim.length
        ? `The paper's claim holds on IF-M in this run: IOPO's mean is above ${names(claim)}` +
            (solid.length === claim.length
              ? ", by more than the spread over seeds."
              : ", but not by more than the spread over seeds for every comparison.")
        : won.length === 0
          ? `The paper's claim does not hold on IF-M in this run: IOPO's mean is not above ${names(claim)}.`
          : `The paper's claim holds only in part on IF-M in this run: IOPO's mean is above ${names(won)} but not above ${names(claim.filter((c) => c.diff <= 0))}.`,
    );
  }
  for (const [a, b] of identicalRows(methods, runs))
    out.push(
      `${label(a)} and ${label(b)} are equal in every metric at every seed: they trained the same loss on the same examples.`,
    );
  for (const k of headline.slice(0, 1)) {
    let top: string | undefined;
    for (const m of methods) {
      const s = summary[m.id]?.[k];
      if (s && s.n > 0 && (top === undefined || s.mean > summary[top][k].mean)) top = m.id;
    }
    if (top) out.push(`Best mean ${metricLabel(k)}: ${label(top)} (${fmt(summary[top][k])}).`);
  }
  return out;
}

/**
 * Method rows whose finished runs have the same seeds and the same value of every metric at each seed: two names for
 * one training (e.g. DPO* and the ablation without input preference, whose output pairs train as DPO examples).
 */
export function identicalRows(methods: readonly MethodInfo[], runs: readonly RunOutcome[]): [string, string][] {
  const key = (id: string) => {
    const rs = runs.filter((r) => r.method === id && r.status === "done").sort((x, y) => x.seed - y.seed);
    if (rs.length === 0 || rs.some((r) => Object.keys(r.metrics).length === 0)) return undefined;
    return JSON.stringify(rs.map((r) => [r.seed, Object.entries(r.metrics).sort(([x], [y]) => x.localeCompare(y))]));
  };
  const rows = methods.filter((m) => m.kind !== "start").map((m) => ({ id: m.id, key: key(m.id) }));
  const out: [string, string][] = [];
  rows.forEach((a, i) => {
    for (const b of rows.slice(i + 1)) if (a.key !== undefined && a.key === b.key) out.push([a.id, b.id]);
  });
  return out;
}

/** How often method `a` scored above `b` on metric `k` at the same seed (start rows compare at every seed). */
function pairedWins(
  runs: readonly RunOutcome[],
  a: string,
  b: string,
  k: string,
): { wins: number; n: number } | undefined {
  const value = (m: string, seed: number) => {
    const rs = runs.filter((r) => r.method === m && r.status === "done");
    const r = rs.find((x) => x.seed === seed) ?? (rs.length === 1 ? rs[0] : undefined);
    const v = r?.metrics[k];
    return typeof v === "number" ? v : undefined;
  };
  let wins = 0;
  let n = 0;
  for (const r of runs.filter((x) => x.method === a && x.status === "done")) {
    const va = value(a, r.seed);
    const vb = value(b, r.seed);
    if (va === undefined || vb === undefined) continue;
    n++;
    if (va > vb) wins++;
  }
  return n > 1 ? { wins, n } : undefined;
}

/** results.md: the Table 3/4-style table (mean ± sample std over seeds, best per column in bold), phases, verdict. */
export function resultsMarkdown(r: ExperimentResults): string {
  const lines: string[] = [`# ${r.name}: results`, ""];
  lines.push(
    `Mean ± sample standard deviation over ${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"} (${r.seeds.join(", ")}); ` +
      "rows marked (start) are single checkpoints evaluated once. Rates in percent.",
    "",
  );
  const best: Record<string, number> = {};
  for (const m of r.metrics) {
    const means = r.methods.map((x) => r.summary[x.id]?.[m.id]?.mean).filter((v): v is number => Number.isFinite(v));
    if (means.length) best[m.id] = m.higher_is_better ? Math.max(...means) : Math.min(...means);
  }
  lines.push(`| method | ${r.metrics.map((m) => m.label).join(" | ")} |`);
  lines.push(`| --- | ${r.metrics.map(() => "---:").join(" | ")} |`);
  for (const m of r.methods) {
    const cells = r.metrics.map((metric) => {
      const s = r.summary[m.id]?.[metric.id];
      const text = fmt(s);
      return s && s.n > 0 && s.mean === best[metric.id] ? `**${text}**` : text;
    });
    lines.push(`| ${m.label}${m.kind === "start" ? " (start)" : ""} | ${cells.join(" | ")} |`);
  }
  lines.push("", "## What the numbers say", "", ...r.verdict.map((v) => `- ${v}`), "");
  lines.push("## Metrics", "", ...r.metrics.map((m) => `- **${m.label}**: ${m.description}.`), "");
  lines.push("## Rows", "", ...r.methods.map((m) => `- **${m.label}** (\`${m.id}\`): ${m.description}.`), "");
  const failed = r.runs.filter((x) => x.status !== "done");
  if (failed.length) {
    lines.push("## Runs that did not finish", "");
    for (const f of failed) lines.push(`- ${f.method} seed ${f.seed}: ${f.status}${f.error ? ` (${f.error})` : ""}`);
    lines.push("");
  }
  lines.push("## Wall time", "", "| phase | seconds |", "| --- | ---: |");
  for (const p of r.phases) lines.push(`| ${p.name}${p.resumed ? " (resumed)" : ""} | ${p.seconds.toFixed(1)} |`);
  lines.push(`| total | ${r.phases.reduce((a, p) => a + p.seconds, 0).toFixed(1)} |`, "");
  return lines.join("\n");
}

/** The results table for the terminal: fixed-width, the same cells as results.md. */
export function resultsTable(r: ExperimentResults): string {
  const head = ["method", ...r.metrics.map((m) => m.label)];
  const rows = r.methods.map((m) => [
    m.label + (m.kind === "start" ? " (start)" : ""),
    ...r.metrics.map((metric) => fmt(r.summary[m.id]?.[metric.id])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
