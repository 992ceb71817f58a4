import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { type Document, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import { readCfbenchData } from "../eval/cfbench/record.js";
import { readComplexbenchData } from "../eval/complexbench/record.js";
import { readPrompts } from "../eval/ifeval/data.js";
import { packageRoot } from "../util/paths.js";
import { DEFAULT_WORLD_MODEL } from "../world/model.js";

/**
 * An experiment plan: one YAML file that says which model to start from, which data to train and evaluate on, the
 * settings every method shares, the methods, the seeds and the evaluations. `iopo demo` runs the shipped
 * `examples/demo-plan.yaml` (the constraint world, offline); `iopo experiment -c PLAN.yaml` runs a user's plan on
 * real model folders and data files or endpoints. Errors name the plan file, the line and the key path.
 *
 *   name: my-run
 *   seeds: 3                          # or a list [1, 7, 42]
 *   model: { base: ./Qwen2-0.5B-Instruct }
 *   data:  { source: files, files: { sft: trace.jsonl, dpo: dpo_pairs.jsonl, iopo: iopo_groups.jsonl,
 *            eval_trace: eval.jsonl } }
 *   sft:   { learning_rate: 1.0e-4, num_train_epochs: 1 }
 *   train: { finetuning_type: lora, learning_rate: 5.0e-6, max_steps: 200 }
 *   methods: [sft_continued, dpo, iopo]
 *   eval:
 *     trace:   { judge: llm, judge_base_url: https://api.openai.com/v1, judge_model: gpt-4o }
 *     ifeval:  { limit: 100 }                      # the bundled 541 prompts, or input_data: FILE
 *     cfbench: { data: cfbench_data.json, judge_model: gpt-4o }
 *     complexbench: { data: data_final.json, judge_model: gpt-4o }
 */

/** The plan `iopo demo` runs (shipped with the package so that users can copy and edit it). */
export const DEMO_PLAN = resolve(packageRoot, "examples", "demo-plan.yaml");

/** Any `iopo train` config key (validated by the train config schema when each run's config is built). */
const TrainKeys = z.record(z.string(), z.unknown());

const WorldModelSchema = z
  .strictObject({
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive(),
    max_position_embeddings: z.number().int().positive(),
    seed: z.number().int().min(0),
  })
  .partial();

/** The world's data: seed instructions per split and the constraint counts drawn for them. */
const WorldDataSchema = z.strictObject({
  /** Seed instructions for the SFT records (trace build). */
  sft_seeds: z.number().int().positive().default(1200),
  /** Seed instructions for the preference data (trace build, then pairs dpo and pairs iopo). */
  preference_seeds: z.number().int().positive().default(400),
  /** Seed instructions for held-out IOPO groups (preference accuracy from log-probs). */
  heldout_seeds: z.number().int().min(0).default(120),
  /**
   * Constraints per training instruction: a distribution (`paper-train` = Table 2's training row, `uniform:1-4`, a
   * file; see `iopo stats --compare`) cut to [min_constraints, max_constraints].
   */
  constraint_counts: z.string().default("paper-train"),
  min_constraints: z.number().int().positive().default(1),
  max_constraints: z.number().int().positive().default(4),
  /** Held-out evaluation items per number of constraints, from 1 to `eval_max_constraints`. */
  eval_items_per_count: z.number().int().positive().default(24),
  /** Longest evaluation instructions; counts above `max_constraints` are the out-of-distribution column. */
  eval_max_constraints: z.number().int().positive().default(6),
  /** Generator seed of the world (seeds, constraint draws, evaluation items). */
  seed: z.number().int().min(0).default(42),
});

const FilesSchema = z.strictObject({
  /** SFT rows or TRACE records with `response` (for the SFT stage). */
  sft: z.string().optional(),
  /** DPO pairs (TRL / LLaMA-Factory / `pairs dpo` output). */
  dpo: z.string().optional(),
  /** IOPO groups (`pairs iopo` output or the official sharegpt ranking rows). */
  iopo: z.string().optional(),
  /** TRACE-format evaluation records (`messages`, `constraints_splits`, `levels2`...). */
  eval_trace: z.string().optional(),
  /** Held-out IOPO groups for preference accuracy. */
  heldout_iopo: z.string().optional(),
  /** Prompts for the rollout methods (ppo, grpo): any file with prompts (default: the dpo file, else iopo). */
  prompts: z.string().optional(),
});

const EndpointSchema = z.strictObject({
  /** Seed instructions (JSONL `{instruction, id}`), split into SFT / preference / held-out by `split`. */
  seeds: z.string(),
  split: z.tuple([z.number().positive(), z.number().positive(), z.number().min(0)]).default([0.6, 0.3, 0.1]),
  base_url: z.string().optional(),
  model: z.string(),
  judge_base_url: z.string().optional(),
  judge_model: z.string().optional(),
  concurrency: z.number().int().positive().default(8),
  max_budget: z.number().positive().optional(),
  lang: z.enum(["en", "zh", "auto"]).default("auto"),
  /** Constraints per expanded instruction (default: the paper's training distribution, Table 2). */
  constraint_counts: z.string().default("paper-train"),
});

const MethodSpecSchema = z.strictObject({
  /** Row key in the results (unique). */
  id: z.string().regex(/^[a-z0-9_]+$/, "lower-case letters, digits and _"),
  /** `iopo train` method. */
  method: z.string(),
  /** Training file: the preference pairs, the IOPO groups, the SFT data, or (ppo, grpo) the rollout prompts. */
  data: z.enum(["dpo", "iopo", "sft", "prompts"]),
  label: z.string().optional(),
  description: z.string().optional(),
  /** Train keys for this method only. Same settings for every method is the point of the comparison: use sparingly. */
  overrides: TrainKeys.optional(),
});

const TraceEvalSchema = z.strictObject({
  /** `world`: the constraint world's rule judge (offline, world records only); `llm`: an endpoint judge. */
  judge: z.enum(["world", "llm"]).default("world"),
  judge_base_url: z.string().optional(),
  judge_model: z.string().optional(),
  judge_concurrency: z.number().int().positive().default(8),
  /** Evaluate only the first N records of the evaluation file (after a stratified draw, see eval trace). */
  limit: z.number().int().positive().optional(),
});

/**
 * The benchmarks an experiment runs on every checkpoint, each through its `iopo eval` evaluator with in-process
 * greedy generation (the checkpoint's chat template, KV-cache decoding, `eval.batch_size` prompts together). Keys
 * mirror the commands' flags; `limit` keeps the first N items of the data, in data order.
 */
const IfevalEvalSchema = z.strictObject({
  /** IFEval prompts with instruction ids and kwargs (`--data`; default: the bundled 541 prompts). */
  input_data: z.string().min(1).optional(),
  limit: z.number().int().positive().optional(),
  /** `--max-tokens` (IFEval has length instructions of several hundred words). */
  max_new_tokens: z.number().int().positive().default(1280),
});

/** What CFBench and ComplexBench share: the upstream data file, the judge endpoint and its sampling, parsing. */
const judgedBenchmark = {
  /** The upstream data file (not shipped). */
  data: z.string().min(1),
  limit: z.number().int().positive().optional(),
  /** `--max-tokens` of the generation (in-process default of the commands: 512). */
  max_new_tokens: z.number().int().positive().default(512),
  judge_model: z.string().min(1),
  /** Default: $OPENAI_BASE_URL. The API key comes from $OPENAI_API_KEY. */
  judge_base_url: z.string().optional(),
  judge_concurrency: z.number().int().positive().default(8),
  judge_top_p: z.number().min(0).max(1).optional(),
  judge_max_tokens: z.number().int().positive().optional(),
  parse: z.enum(["upstream-exact", "tolerant"]).default("upstream-exact"),
};

const CfbenchEvalSchema = z.strictObject({
  ...judgedBenchmark,
  judge_temperature: z.number().min(0).default(0.01),
  /** Judge rounds per item while the output does not parse (upstream: 10). */
  rounds: z.number().int().positive().default(10),
});

const ComplexbenchEvalSchema = z.strictObject({
  ...judgedBenchmark,
  judge_temperature: z.number().min(0).default(0),
  /** `zh`, or `en` (English instruction and questions; the judge prompt stays Chinese). */
  language: z.enum(["zh", "en"]).default("zh"),
  /** Extra judge calls when the judge returns an empty text. */
  reask: z.number().int().min(0).default(2),
});

const EvalSchema = z.strictObject({
  /** Greedy decoding of every checkpoint on the evaluation set. */
  max_new_tokens: z.number().int().positive().default(128),
  temperature: z.number().min(0).default(0),
  batch_size: z.number().int().positive().default(32),
  trace: TraceEvalSchema.default({ judge: "world", judge_concurrency: 8 }),
  /** Held-out preference accuracy from log-probs (needs held-out IOPO groups). */
  preference_accuracy: z.boolean().default(true),
  /** IFEval (`iopo eval ifeval --model-dir`): rule-scored, no judge; strict and loose, prompt and instruction level. */
  ifeval: z.preprocess((v) => (v === null ? {} : v), IfevalEvalSchema.optional()),
  /** CFBench CSR / ISR / PSR (`iopo eval cfbench --model-dir`) with an LLM judge. */
  cfbench: CfbenchEvalSchema.optional(),
  /** ComplexBench DRFR (`iopo eval complexbench --model-dir`) with an LLM judge. */
  complexbench: ComplexbenchEvalSchema.optional(),
});

export const PlanSchema = z.strictObject({
  name: z.string().min(1).default("experiment"),
  seeds: z.union([z.number().int().positive(), z.array(z.number().int().min(0)).min(1)]).default(3),
  model: z.strictObject({
    /** `world` (the demo's tiny model over the world's tokenizer) or a Hugging Face model folder. */
    base: z.string().min(1),
    world: WorldModelSchema.optional(),
    /** An existing SFT checkpoint: every method starts from it and the SFT stage is skipped. */
    sft: z.string().optional(),
  }),
  data: z.strictObject({
    source: z.enum(["world", "files", "endpoint"]),
    world: WorldDataSchema.optional(),
    files: FilesSchema.optional(),
    endpoint: EndpointSchema.optional(),
  }),
  /** The SFT stage (the paper's "Instruct + TRACE SFT" start); train keys. */
  sft: TrainKeys.optional(),
  /** Train keys every method shares (same optimiser, steps, batch, beta...). */
  train: TrainKeys.default({}),
  methods: z.array(z.union([z.string(), MethodSpecSchema])).min(1),
  /**
   * Train keys of the rollout methods (ppo, grpo) over `train:`: what only they have (completion length,
   * temperature, num_generations, kl_coef, reward_funcs...). Their optimiser, steps and batch stay `train:`'s.
   */
  online: TrainKeys.optional(),
  /** Train keys of PPO's reward model (`method: rm` on the DPO pairs, from the SFT checkpoint) over `train:`. */
  reward_model: TrainKeys.optional(),
  eval: EvalSchema.default({
    max_new_tokens: 128,
    temperature: 0,
    batch_size: 32,
    trace: { judge: "world", judge_concurrency: 8 },
    preference_accuracy: true,
  }),
  /** Deep-merged over the plan by `--quick` (fewer seeds, steps and items). */
  quick: z.record(z.string(), z.unknown()).optional(),
});

export type PlanInput = z.input<typeof PlanSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type MethodSpec = z.infer<typeof MethodSpecSchema>;
export type WorldData = z.infer<typeof WorldDataSchema>;

/** A plan ready to run: paths resolved against the plan file's folder, seeds as a list, the world's defaults in. */
export interface ResolvedPlan extends Omit<Plan, "seeds" | "quick"> {
  seeds: number[];
  /** Where the plan came from (a file, or "built-in"). */
  source: string;
  quick: boolean;
}

export interface PlanOverrides {
  /** `--seeds N`: the first N seeds (1..N), or the given list. */
  seeds?: number | number[];
  quick?: boolean;
  /** `--with-rl`: add the rollout rows (ppo, grpo) when the plan does not list them. */
  withRl?: boolean;
}

/** The rows `--with-rl` adds. */
export const RL_ROWS = ["ppo", "grpo"] as const;

/** Deep merge of plain objects (arrays and scalars of `over` replace). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Read and validate a plan file; `--quick` merges its `quick:` block first. */
export function loadPlan(file: string, overrides: PlanOverrides = {}): ResolvedPlan {
  if (!existsSync(file)) throw new DataError(file, undefined, undefined, "plan file not found");
  if (statSync(file).isDirectory())
    throw new DataError(file, undefined, undefined, "is a directory; expected a YAML plan file");
  const counter = new LineCounter();
  const doc = parseDocument(readUtf8(file), { lineCounter: counter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new DataError(file, e.linePos?.[0].line, undefined, `invalid YAML: ${e.message.split("\n")[0]}`);
  }
  if (!isMap(doc.contents))
    throw new DataError(file, undefined, undefined, "expected a mapping (name:, model:, data:, ...)");
  return resolvePlan(doc.toJS() as Record<string, unknown>, file, overrides, lineOf(doc, counter));
}

/** Validate a plan given as an object (`source` names it in errors; paths resolve against the working directory). */
export function resolvePlan(
  raw: Record<string, unknown>,
  source: string,
  overrides: PlanOverrides = {},
  line: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
): ResolvedPlan {
  let values: unknown = raw;
  if (overrides.quick) {
    const quick = raw.quick;
    if (quick !== undefined && !isPlainObject(quick))
      throw new DataError(source, line(["quick"]), "quick", "expected a mapping");
    values = deepMerge(raw, quick ?? {});
  }
  const parsed = PlanSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String);
    throw new DataError(source, line(issue.path as PropertyKey[]), path.join(".") || undefined, issue.message);
  }
  const plan = parsed.data;
  if (overrides.withRl) {
    const listed = new Set(plan.methods.map((m) => (typeof m === "string" ? m : m.id)));
    plan.methods = [...plan.methods, ...RL_ROWS.filter((m) => !listed.has(m))];
  }
  const fail = (path: string[], detail: string): never => {
    throw new DataError(source, line(path), path.join("."), detail);
  };
  const base = source === "built-in" ? process.cwd() : dirname(resolve(source));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  const seedsIn = overrides.seeds ?? plan.seeds;
  const seeds = Array.isArray(seedsIn) ? seedsIn : Array.from({ length: seedsIn }, (_, i) => i + 1);
  if (new Set(seeds).size !== seeds.length) fail(["seeds"], "seeds must be distinct");

  const world = plan.model.base === "world";
  if (plan.data.source === "world" && !world)
    fail(["model", "base"], "data.source world trains the world's model: set model.base: world");
  if (world && plan.data.source !== "world") fail(["data", "source"], "model.base world needs data.source: world");
  if (plan.data.source === "files" && !plan.data.files) fail(["data", "files"], "data.source files needs data.files");
  if (plan.data.source === "endpoint" && !plan.data.endpoint)
    fail(["data", "endpoint"], "data.source endpoint needs data.endpoint");
  if (!plan.model.sft && !plan.sft)
    fail(["sft"], "give the SFT stage's settings (sft:) or an existing SFT checkpoint (model.sft)");
  if (plan.eval.trace.judge === "llm" && !plan.eval.trace.judge_model)
    fail(["eval", "trace", "judge_model"], "judge: llm needs judge_model (and judge_base_url or $OPENAI_BASE_URL)");
  // grpo learns from reward functions: on the world its rule checks by default, elsewhere the plan names them.
  plan.methods.forEach((m, i) => {
    const grpo = m === "grpo" || (typeof m === "object" && m.method === "grpo");
    const overrides = typeof m === "object" ? m.overrides : undefined;
    if (grpo && plan.data.source !== "world" && (overrides?.reward_funcs ?? plan.online?.reward_funcs) === undefined)
      fail(
        typeof m === "object" ? ["methods", String(i), "overrides"] : ["methods", String(i)],
        "grpo needs reward functions: set online.reward_funcs (rules, rules_all, ifeval, ifeval_all, or a reward model folder)",
      );
  });
  const benchmarks = BENCHMARKS.filter((b) => plan.eval[b] !== undefined);
  if (!hasTraceRecords(plan) && benchmarks.length === 0)
    fail(
      ["data", "files", "eval_trace"],
      "nothing to evaluate: give data.files.eval_trace (TRACE-format records) or a benchmark under eval: " +
        `(${BENCHMARKS.join(", ")})`,
    );
  if (hasTraceRecords(plan) && plan.eval.trace.judge === "world" && plan.data.source !== "world")
    fail(["eval", "trace", "judge"], "the world judge checks world instructions only; use judge: llm");
  if (world && benchmarks.length > 0)
    fail(
      ["eval", benchmarks[0]],
      "the world model's word-level tokenizer cannot read benchmark prompts; run benchmarks on a Hugging Face model",
    );
  const w = plan.data.source === "world" ? WorldDataSchema.parse(plan.data.world ?? {}) : undefined;
  if (w && w.min_constraints > w.max_constraints) fail(["data", "world", "min_constraints"], "above max_constraints");

  const evalPlan = resolveBenchmarkFiles(plan.eval, abs, fail);

  const files = plan.data.files
    ? Object.fromEntries(Object.entries(plan.data.files).map(([k, v]) => [k, v === undefined ? v : abs(v)]))
    : undefined;
  return {
    ...plan,
    seeds,
    source,
    quick: overrides.quick === true,
    model: {
      ...plan.model,
      base: world ? "world" : abs(plan.model.base),
      ...(world ? { world: { ...DEFAULT_WORLD_MODEL, ...plan.model.world } } : {}),
      ...(plan.model.sft ? { sft: abs(plan.model.sft) } : {}),
    },
    data: {
      ...plan.data,
      ...(w ? { world: w } : {}),
      ...(files ? { files } : {}),
      ...(plan.data.endpoint ? { endpoint: { ...plan.data.endpoint, seeds: abs(plan.data.endpoint.seeds) } } : {}),
    },
    eval: evalPlan,
  };
}

/** The benchmarks a plan can run on every checkpoint (keys of `eval:`). */
export const BENCHMARKS = ["ifeval", "cfbench", "complexbench"] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

/** Whether the plan has TRACE-format evaluation records (the world's held-out set, or data.files.eval_trace). */
export function hasTraceRecords(plan: Pick<Plan, "data">): boolean {
  return plan.data.source === "world" || plan.data.files?.eval_trace !== undefined;
}

/**
 * The benchmarks' data paths resolved against the plan's folder and read now, so that a missing or malformed file
 * stops the plan at load, before any training (the readers' errors name the data file, line and field).
 */
function resolveBenchmarkFiles(
  e: Plan["eval"],
  abs: (p: string) => string,
  fail: (path: string[], detail: string) => never,
): Plan["eval"] {
  const file = (path: string[], p: string) => {
    const f = abs(p);
    if (!existsSync(f)) fail(path, `file not found: ${f}`);
    if (statSync(f).isDirectory()) fail(path, `${f} is a directory; expected a data file`);
    return f;
  };
  const out = { ...e };
  if (e.ifeval?.input_data) {
    const f = file(["eval", "ifeval", "input_data"], e.ifeval.input_data);
    readPrompts(f);
    out.ifeval = { ...e.ifeval, input_data: f };
  }
  if (e.cfbench) {
    const f = file(["eval", "cfbench", "data"], e.cfbench.data);
    readCfbenchData(f);
    out.cfbench = { ...e.cfbench, data: f };
  }
  if (e.complexbench) {
    const f = file(["eval", "complexbench", "data"], e.complexbench.data);
    const records = readComplexbenchData(f);
    if (e.complexbench.language === "en") {
      const r = records
        .slice(0, e.complexbench.limit)
        .find((x) => x.instruction_en === undefined || x.scoring_questions.some((q) => q.question_en === undefined));
      if (r)
        fail(
          ["eval", "complexbench", "language"],
          `language en needs instruction_en and question_en; ${f} lacks them for main_id ${r.main_id}`,
        );
    }
    out.complexbench = { ...e.complexbench, data: f };
  }
  return out;
}

/** The 1-based line of a key path in the YAML document (the deepest key that exists). */
function lineOf(doc: Document, counter: LineCounter): (path: readonly PropertyKey[]) => number | undefined {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return counter.linePos(node.range[0]).line;
      // a key whose value is null has no node: find the key scalar in its parent map
      const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
      if (isMap(parent)) {
        const item = parent.items.find((i) => isScalar(i.key) && String(i.key.value) === String(path[n - 1]));
        if (item && isScalar(item.key) && item.key.range) return counter.linePos(item.key.range[0]).line;
      }
    }
    return undefined;
  };
}
