import { existsSync } from "node:fs";
import { stringify } from "yaml";
import { readCfbenchData } from "../eval/cfbench/record.js";
import { readComplexbenchData } from "../eval/complexbench/record.js";
import { BUNDLED_INPUT_DATA, readPrompts } from "../eval/ifeval/data.js";
import { readTraceData } from "../eval/trace/responses.js";
import { costUsd, resolvePrice } from "../llm/prices.js";
import { resolveConfig } from "../train/config.js";
import { loadTrainingData } from "../train/dataset.js";
import { isRolloutMethod } from "../train/online/config.js";
import { rolloutPlan } from "../train/online/plan.js";
import { loadPromptData } from "../train/online/prompts.js";
import { dataPlanOf } from "../train/plan.js";
import {
  type KeySection,
  methodDataset,
  methodSections,
  resolveMethods,
  rewardModelSections,
  START_ROWS,
} from "./methods.js";
import { hasTraceRecords, type ResolvedPlan } from "./plan.js";

/**
 * `iopo experiment --dry-run`: what a plan would do before it does it - the resolved plan, every training run with
 * its optimiser steps (exact when the data files exist, else what max_steps fixes), the checkpoints evaluated, and
 * the LLM calls the plan makes with an estimate of their cost at the models' known prices.
 */

/** Typical tokens per call (prompt, reply) for the estimate; a dry run of `trace build` renders the real prompts. */
const CALL_TOKENS = {
  build: { prompt: 700, reply: 300 },
  judge: { prompt: 1200, reply: 300 },
};

/** Calls per seed instruction for trace build (6 stages) and per kept record for pairs iopo (4) and pairs dpo (2). */
const CALLS_PER_SEED = { trace: 6, iopo: 4, dpo: 2 };

export function describePlan(plan: ResolvedPlan, outputDir: string): string {
  const lines: string[] = [`experiment "${plan.name}" -> ${outputDir}`, "", "resolved plan:", ""];
  lines.push(
    ...stringify(JSON.parse(JSON.stringify({ ...plan, source: undefined })))
      .trimEnd()
      .split("\n")
      .map((l) => `  ${l}`),
  );
  const methods = resolveMethods(plan.methods, plan.source);
  lines.push("", "training runs (every method from the same SFT checkpoint, same shared settings):");
  const files = plan.data.files ?? {};
  const steps = (values: Record<string, unknown>, dataset: string | undefined, method: string) => {
    const maxSteps = typeof values.max_steps === "number" ? values.max_steps : -1;
    if (maxSteps > 0) return `${maxSteps} optimiser steps`;
    if (!dataset) return "steps depend on the data the plan builds (set max_steps to fix them)";
    if (!existsSync(dataset)) return `steps depend on ${dataset}, not there yet (set max_steps to fix them)`;
    const cfg = resolveConfig([
      { source: plan.source, values, lines: {} },
      { source: "dry run", values: { model_name_or_path: "-", method, dataset, output_dir: "-" }, lines: {} },
    ]);
    if (isRolloutMethod(method)) {
      const prompts = loadPromptData(cfg).train.length;
      return `${rolloutPlan(cfg, prompts).totalSteps} optimiser steps (${prompts} prompts)`;
    }
    const d = loadTrainingData(cfg);
    const p = dataPlanOf(cfg, d.train.rows.length);
    return `${p.totalSteps} optimiser steps (${d.train.rows.length} examples)`;
  };
  if (!plan.model.sft) lines.push(`  sft (start)            ${steps(plan.sft ?? {}, files.sft, "sft")}`);
  else lines.push(`  sft (start)            given: ${plan.model.sft}`);
  const seeds = plan.seeds.join(", ");
  for (const m of methods) {
    const values = mergeSections(methodSections(plan, m));
    const data = methodDataset(files, m.data);
    if (m.method === "ppo") {
      const rm = mergeSections(rewardModelSections(plan));
      lines.push(
        `  ${"rm (ppo's reward)".padEnd(22)} rm on the dpo data, seeds ${seeds}: ${steps(rm, files.dpo, "rm")}`,
      );
    }
    lines.push(
      `  ${m.id.padEnd(22)} ${m.method} on the ${m.data} data, seeds ${seeds}: ${steps(values, data, m.method)}`,
    );
  }
  const checkpoints = START_ROWS.length + methods.length * plan.seeds.length;
  lines.push(
    "",
    `checkpoints evaluated: ${checkpoints} (${START_ROWS.map((r) => r.id).join(", ")}, and each method x seed)`,
  );

  let evalItems: number | undefined;
  const trace = hasTraceRecords(plan);
  if (plan.data.source === "world") {
    const w = plan.data.world!;
    evalItems = w.eval_items_per_count * w.eval_max_constraints;
  } else if (files.eval_trace && existsSync(files.eval_trace)) evalItems = readTraceData(files.eval_trace).length;
  if (evalItems !== undefined && plan.eval.trace.limit) evalItems = Math.min(evalItems, plan.eval.trace.limit);
  lines.push(
    trace
      ? `evaluation items per checkpoint: ${evalItems ?? (files.eval_trace ? `unknown (${files.eval_trace} is not there yet)` : "unknown (the evaluation file is built by the plan)")}`
      : "TRACE evaluation: none (no data.files.eval_trace)",
  );
  const bench = benchmarkSizes(plan);
  if (bench.length > 0) {
    lines.push("benchmarks per checkpoint (in-process greedy generation, eval/<row>/seed-<s>/<benchmark>/):");
    for (const b of bench) lines.push(`  ${b.name.padEnd(13)} ${b.text}`);
  }

  lines.push("", "LLM calls:");
  const judged = bench.filter((b) => b.judge !== undefined);
  if (plan.data.source === "world" && plan.eval.trace.judge === "world" && judged.length === 0) {
    lines.push("  none: the constraint world's programs build the data and judge the answers offline");
    return `${lines.join("\n")}\n`;
  }
  let usd = 0;
  let priced = true;
  const add = (what: string, model: string, calls: number, t: { prompt: number; reply: number }) => {
    const p = resolvePrice(model);
    const cost = p.known
      ? costUsd({ prompt_tokens: calls * t.prompt, completion_tokens: calls * t.reply }, p.price)
      : null;
    if (cost === null) priced = false;
    else usd += cost;
    lines.push(
      `  ${what.padEnd(34)} ${String(calls).padStart(7)} calls to ${model}${cost === null ? " (price unknown)" : ` ~$${cost.toFixed(2)}`}`,
    );
  };
  if (plan.data.source === "endpoint") {
    const e = plan.data.endpoint!;
    const seeds = existsSync(e.seeds) ? readTraceData(e.seeds).length : 0;
    const [a, b, c] = e.split;
    const pref = Math.round((seeds * b) / (a + b + c));
    const held = seeds - Math.round((seeds * a) / (a + b + c)) - pref;
    add("trace build (upper bound)", e.model, seeds * CALLS_PER_SEED.trace, CALL_TOKENS.build);
    add(
      "pairs iopo + dpo (upper bound)",
      e.model,
      (pref + held) * (CALLS_PER_SEED.iopo + CALLS_PER_SEED.dpo),
      CALL_TOKENS.build,
    );
  }
  if (trace && plan.eval.trace.judge === "llm" && evalItems !== undefined)
    add("eval trace judge", plan.eval.trace.judge_model!, evalItems * checkpoints, CALL_TOKENS.judge);
  else if (trace && plan.eval.trace.judge === "llm") {
    priced = false;
    lines.push(`  eval trace judge: one call to ${plan.eval.trace.judge_model} per evaluation item and checkpoint`);
  }
  for (const b of judged) add(b.judge!.what, b.judge!.model, b.judge!.calls * checkpoints, CALL_TOKENS.judge);
  lines.push(
    priced
      ? `  estimated cost: ~$${usd.toFixed(2)} (assumed ${CALL_TOKENS.judge.prompt}+${CALL_TOKENS.judge.reply} tokens per judge call)`
      : "  estimated cost: unknown for some models (no built-in price)",
  );
  return `${lines.join("\n")}\n`;
}

interface BenchmarkSize {
  name: string;
  text: string;
  /** Judge calls per checkpoint (the fewest: one per item or question; re-asks come on top). */
  judge?: { what: string; model: string; calls: number };
}

/** What each configured benchmark covers per checkpoint (its data files were read when the plan loaded). */
function benchmarkSizes(plan: ResolvedPlan): BenchmarkSize[] {
  const out: BenchmarkSize[] = [];
  const e = plan.eval;
  if (e.ifeval) {
    const file = e.ifeval.input_data ?? BUNDLED_INPUT_DATA;
    const all = readPrompts(file).length;
    const n = Math.min(all, e.ifeval.limit ?? all);
    out.push({
      name: "ifeval",
      text:
        `${n} of ${all} prompts (${e.ifeval.input_data ?? "the bundled data"}), up to ${e.ifeval.max_new_tokens} ` +
        "new tokens each; scored by rules, no LLM calls",
    });
  }
  if (e.cfbench) {
    const n = readCfbenchData(e.cfbench.data).slice(0, e.cfbench.limit).length;
    out.push({
      name: "cfbench",
      text: `${n} records of ${e.cfbench.data}, up to ${e.cfbench.max_new_tokens} new tokens each; judge ${e.cfbench.judge_model}`,
      judge: {
        what: `cfbench judge (+ up to ${e.cfbench.rounds - 1} re-asks)`,
        model: e.cfbench.judge_model,
        calls: n,
      },
    });
  }
  if (e.complexbench) {
    const records = readComplexbenchData(e.complexbench.data).slice(0, e.complexbench.limit);
    const questions = records.reduce((a, r) => a + r.scoring_questions.length, 0);
    out.push({
      name: "complexbench",
      text:
        `${records.length} records (${questions} scoring questions) of ${e.complexbench.data}, up to ` +
        `${e.complexbench.max_new_tokens} new tokens each; judge ${e.complexbench.judge_model}`,
      judge: {
        what: `complexbench judge (+ up to ${e.complexbench.reask} re-asks)`,
        model: e.complexbench.judge_model,
        calls: questions,
      },
    });
  }
  return out;
}

/** Train keys of layered sections as one object (later sections win, as in the config resolution of a run). */
function mergeSections(sections: readonly KeySection[]): Record<string, unknown> {
  return Object.assign({}, ...sections.map((s) => s.values));
}
