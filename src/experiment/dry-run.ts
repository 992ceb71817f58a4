import { existsSync } from "node:fs";
import { stringify } from "yaml";
import { readTraceData } from "../eval/trace/responses.js";
import { costUsd, resolvePrice } from "../llm/prices.js";
import { resolveConfig } from "../train/config.js";
import { loadTrainingData } from "../train/dataset.js";
import { DataPlan } from "../train/plan.js";
import { resolveMethods, START_ROWS } from "./methods.js";
import type { ResolvedPlan } from "./plan.js";

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
    if (!dataset || !existsSync(dataset)) return "steps depend on the data the plan builds (set max_steps to fix them)";
    const cfg = resolveConfig([
      { source: plan.source, values, lines: {} },
      { source: "dry run", values: { model_name_or_path: "-", method, dataset, output_dir: "-" }, lines: {} },
    ]);
    const d = loadTrainingData(cfg);
    const p = new DataPlan(
      d.train.rows.length,
      cfg.per_device_train_batch_size,
      cfg.gradient_accumulation_steps,
      cfg.num_train_epochs,
      cfg.max_steps,
      cfg.seed,
    );
    return `${p.totalSteps} optimiser steps (${d.train.rows.length} examples)`;
  };
  if (!plan.model.sft) lines.push(`  sft (start)            ${steps(plan.sft ?? {}, files.sft, "sft")}`);
  else lines.push(`  sft (start)            given: ${plan.model.sft}`);
  for (const m of methods) {
    const values = { ...plan.train, ...(m.overrides ?? {}) };
    lines.push(
      `  ${m.id.padEnd(22)} ${m.method} on the ${m.data} data, seeds ${plan.seeds.join(", ")}: ${steps(values, files[m.data], m.method)}`,
    );
  }
  const checkpoints = START_ROWS.length + methods.length * plan.seeds.length;
  lines.push(
    "",
    `checkpoints evaluated: ${checkpoints} (${START_ROWS.map((r) => r.id).join(", ")}, and each method x seed)`,
  );

  let evalItems: number | undefined;
  if (plan.data.source === "world") {
    const w = plan.data.world!;
    evalItems = w.eval_items_per_count * w.eval_max_constraints;
  } else if (files.eval_trace && existsSync(files.eval_trace)) evalItems = readTraceData(files.eval_trace).length;
  if (evalItems !== undefined && plan.eval.trace.limit) evalItems = Math.min(evalItems, plan.eval.trace.limit);
  lines.push(`evaluation items per checkpoint: ${evalItems ?? "unknown (the evaluation file is built by the plan)"}`);

  lines.push("", "LLM calls:");
  if (plan.data.source === "world" && plan.eval.trace.judge === "world") {
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
  if (plan.eval.trace.judge === "llm" && evalItems !== undefined)
    add("eval trace judge", plan.eval.trace.judge_model!, evalItems * checkpoints, CALL_TOKENS.judge);
  lines.push(
    priced
      ? `  estimated cost: ~$${usd.toFixed(2)} (assumed ${CALL_TOKENS.judge.prompt}+${CALL_TOKENS.judge.reply} tokens per judge call)`
      : "  estimated cost: unknown for some models (no built-in price)",
  );
  return `${lines.join("\n")}\n`;
}
