import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The library as users get it: the package is built with `tsc -p tsconfig.build.json` into a temporary folder that
 * holds exactly package.json and its `files` (dist built there, the rest linked), and a separate project with
 * node_modules/iopo pointing at it imports the subpaths of package.json `exports` with plain `node` and type-checks
 * a TypeScript consumer (and every entry's doc-comment example) against the emitted .d.ts files.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  files: string[];
  exports: Record<string, string | { types: string; default: string }>;
};
const ENTRIES = Object.entries(PKG.exports).filter(([key]) => key !== "./package.json") as [
  string,
  { types: string; default: string },
][];

/** `.` -> `iopo`, `./eval/ifeval` -> `iopo/eval/ifeval`. */
const specifier = (key: string) => (key === "." ? "iopo" : `iopo/${key.slice(2)}`);
/** The source index an entry is compiled from. */
const sourceOf = (key: string) => join(ROOT, "src", key === "." ? "index.ts" : `${key.slice(2)}/index.ts`);

let tmp: string;
let pkgDir: string;
let consumer: string;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "iopo-package-"));
  pkgDir = join(tmp, "iopo");
  mkdirSync(pkgDir);
  copyFileSync(join(ROOT, "package.json"), join(pkgDir, "package.json"));
  for (const f of PKG.files) if (f !== "dist") symlinkSync(join(ROOT, f), join(pkgDir, f));
  const build = await run(
    process.execPath,
    [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkgDir, "dist"), "--sourceMap", "false"],
    ROOT,
  );
  if (build.code !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${build.output}`);
  // The package's own dependencies, as `npm install iopo` would provide them.
  symlinkSync(join(ROOT, "node_modules"), join(pkgDir, "node_modules"));

  consumer = join(tmp, "consumer");
  mkdirSync(join(consumer, "node_modules"), { recursive: true });
  symlinkSync(pkgDir, join(consumer, "node_modules", "iopo"));
  writeFileSync(
    join(consumer, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" })}\n`,
  );
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("package.json exports", () => {
  it("every entry has types and code side by side in dist, and dist and data are in `files`", () => {
    expect(PKG.files).toEqual(expect.arrayContaining(["dist", "data", "bin"]));
    expect(ENTRIES.length).toBeGreaterThan(15);
    for (const [key, target] of ENTRIES) {
      expect(Object.keys(target), key).toEqual(["types", "default"]); // `types` first, as resolvers require
      expect(target.types, key).toBe(target.default.replace(/\.js$/, ".d.ts"));
      expect(PKG.files, key).toContain(target.default.split("/")[1]);
      expect(existsSync(join(pkgDir, target.default)), target.default).toBe(true);
      expect(existsSync(join(pkgDir, target.types)), target.types).toBe(true);
      expect(existsSync(sourceOf(key)), sourceOf(key)).toBe(true);
    }
  });

  it("every area index of src/ is an entry", () => {
    const keys = new Set(ENTRIES.map(([key]) => key));
    const indexes = (dir: string, prefix: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "index.ts")))
        .map((d) => `${prefix}${d.name}`);
    const areas = [...indexes(join(ROOT, "src"), "./"), ...indexes(join(ROOT, "src", "eval"), "./eval/")];
    expect(areas.filter((a) => !keys.has(a))).toEqual([]);
  });
});

describe("the built package, imported as a user does", () => {
  it("node imports every subpath, each area does real work, and only engine calls load ONNX Runtime", () => {
    const script = join(consumer, "use-package.mjs");
    copyFileSync(join(ROOT, "test", "package", "fixtures", "use-package.mjs"), script);
    const r = spawnSync(process.execPath, [script, join(tmp, "work")], { cwd: consumer, encoding: "utf8" });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      entries: Record<string, number>;
      calls: string[];
      ortAfterImports: boolean;
      ortAfterCalls: boolean;
      ortAfterEngineCall: boolean;
      deepImportsBlocked: boolean;
    };
    expect(Object.keys(report.entries).sort()).toEqual(ENTRIES.map(([key]) => specifier(key)).sort());
    expect(report.calls).toEqual(
      expect.arrayContaining([
        "data",
        "train",
        "eval",
        "model (reference)",
        "model (engine)",
        "engine",
        "world trace build",
      ]),
    );
    expect(report.ortAfterImports).toBe(false);
    expect(report.ortAfterCalls).toBe(false);
    expect(report.ortAfterEngineCall).toBe(true);
    expect(report.deepImportsBlocked).toBe(true);
  }, 120_000);

  it("a TypeScript consumer, every entry's doc example and the README's type-check against the .d.ts (node16 and bundler)", async () => {
    mkdirSync(join(consumer, "examples"), { recursive: true });
    for (const [key] of ENTRIES) {
      const source = readFileSync(sourceOf(key), "utf8");
      const example = /@example\n([\s\S]*?)\*\//.exec(source);
      expect(example, `${sourceOf(key)}: a doc comment with @example`).not.toBeNull();
      const code = example![1]
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n");
      expect(code, key).toContain(`from "${specifier(key)}"`);
      writeFileSync(join(consumer, "examples", `${specifier(key).replaceAll("/", "_")}.ts`), `${code}\nexport {};\n`);
    }
    // The README's "Library" example too.
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const library = readme.slice(readme.indexOf("## Library"));
    const readmeExample = /```ts\n([\s\S]*?)```/.exec(library.slice(0, library.indexOf("\n## ", 3)));
    expect(readmeExample, 'README "Library": a ts example').not.toBeNull();
    writeFileSync(join(consumer, "examples", "readme.ts"), `${readmeExample![1]}\nexport {};\n`);
    writeFileSync(join(consumer, "use.ts"), CONSUMER_TS);
    const compilerOptions = {
      target: "ES2022",
      lib: ["ES2023"],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules", "@types")],
    };
    const configs = {
      "tsconfig.node16.json": { ...compilerOptions, module: "node16", moduleResolution: "node16" },
      "tsconfig.bundler.json": { ...compilerOptions, module: "esnext", moduleResolution: "bundler" },
    };
    for (const [name, options] of Object.entries(configs))
      writeFileSync(
        join(consumer, name),
        JSON.stringify({ compilerOptions: options, include: ["use.ts", "examples/*.ts"] }),
      );
    const results = await Promise.all(
      Object.keys(configs).map((name) => run(process.execPath, [TSC, "-p", name], consumer)),
    );
    for (const [i, name] of Object.keys(configs).entries()) expect(results[i].output, name).toBe("");
    for (const [i, name] of Object.keys(configs).entries()) expect(results[i].code, name).toBe(0);
  }, 120_000);
});

/** Typed use of the entries; each @ts-expect-error fails the check if the types were lost (e.g. resolved to any). */
const CONSUMER_TS = `
import { readJsonl, type TraceRecord, TraceRecordSchema, train as trainNamespace, evaluation } from "iopo";
import { type Dataset, DataError, loadDataset } from "iopo/data";
import { CompiledGraph, f32, Graph, gradients } from "iopo/engine";
import { cfbench, ifeval } from "iopo/eval";
import { runCfbench } from "iopo/eval/cfbench";
import { complexbenchRuleVerdict } from "iopo/eval/complexbench";
import { buildInstruction, type IfevalPrompt, type PromptResult, evaluateResponse } from "iopo/eval/ifeval";
import { computeTraceMetrics, type TraceMetrics } from "iopo/eval/trace";
import type { ExperimentResults } from "iopo/experiment";
import { parseTraceJudge, type TraceJudgeParse } from "iopo/judge";
import { type ChatModel, createChatModel, type ManagedChatModel } from "iopo/llm";
import {
  createGenerator,
  createLogprobRunner,
  type Generator,
  loadModelFolder,
  type LogprobRunner,
  type ModelFolder,
  type Weights,
  writeTinyModel,
} from "iopo/model";
import { OPERATIONS, type Operation, runPairsJob } from "iopo/pairs";
import type { PipelineRow, RunSummary, Stage } from "iopo/stages";
import { type Dimension, DIMENSIONS } from "iopo/taxonomy";
import { buildTrace, type SeedRow } from "iopo/trace";
import {
  defaultLossOptions,
  type Example,
  iopoLoss,
  loadTrainConfig,
  type LossOutput,
  METHOD_WEIGHTS,
  type Method,
  type TrainConfig,
  type TrainMethod,
  isOnlineMethod,
  trainFromConfig,
} from "iopo/train";
import { WorldChatModel } from "iopo/world";

const records: TraceRecord[] = readJsonl("t.jsonl", TraceRecordSchema).map((r) => r.value);
const ds: Dataset = loadDataset("d.jsonl").dataset;
const err: DataError = new DataError("f", 1, "x", "bad");
const cfg: TrainConfig = loadTrainConfig("c.yaml", ["--beta", "0.2"]);
const method: TrainMethod = cfg.method;
// @ts-expect-error the config's method is a closed union (the offline methods and rm | ppo | grpo)
const notATrainMethod: TrainMethod = "reinforce";
// @ts-expect-error the offline methods (the loss table's) are a closed union without the online ones
const notAMethod: Method = "ppo";
const offline: Method | undefined = isOnlineMethod(cfg.method) ? undefined : cfg.method;
// @ts-expect-error the config file is a path
loadTrainConfig(42);
const example: Example = { chosen: { policy: -3, reference: -2.5, tokens: 4 }, rejected: { policy: -5, reference: -4, tokens: 4 } };
const out: LossOutput = iopoLoss([example], { ...defaultLossOptions, beta: 0.1 });
const sameLoss: typeof iopoLoss = trainNamespace.iopoLoss;
const weights: readonly (readonly number[])[] = METHOD_WEIGHTS.dpo.logits;
const result: Promise<{ globalStep: number }> = trainFromConfig(cfg);

writeTinyModel("tiny");
const folder: ModelFolder = loadModelFolder("tiny", { loadWeights: true });
const w: Weights = folder.checkpoint!.weights;
const generator: Promise<Generator> = createGenerator(folder.config, w, { threads: 1 });
const runner: Promise<LogprobRunner> = createLogprobRunner(folder.config);
// @ts-expect-error a config is required
createLogprobRunner();

const g = new Graph("g");
const x = g.input("x", "float32", ["N"]);
const [dx] = gradients(g, g.reduceSum(g.mul(x, x), [0], false), [x]);
g.output("dx", dx);
const compiled: Promise<CompiledGraph> = CompiledGraph.create(g);
const feed = f32(new Float32Array(3), [3]);

const prompt: IfevalPrompt = { prompt: "p", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] };
const verdict: PromptResult = evaluateResponse(prompt, "r", "strict");
const checker = buildInstruction("punctuation:no_comma", {});
const viaNamespace: typeof buildInstruction = ifeval.buildInstruction;
const viaRoot: typeof buildInstruction = evaluation.ifeval.buildInstruction;
// @ts-expect-error the mode is "strict" or "loose"
evaluateResponse(prompt, "r", "lenient");
const csr: number = cfbench.scoreCfbenchItem([1], ["主需"], "1").CSR;
const run: typeof runCfbench = cfbench.runCfbench;
const rv = complexbenchRuleVerdict("point", []);
const metrics: TraceMetrics = computeTraceMetrics([], () => undefined);
const parsed: TraceJudgeParse = parseTraceJudge("Constraints Overall Score: [[10]]");

const llm: ManagedChatModel = createChatModel({ model: "m", dryRun: true });
const chat: ChatModel = new WorldChatModel("judge");
const ops: readonly Operation[] = OPERATIONS;
const pairs: Promise<{ summary: RunSummary }> = runPairsJob("iopo", { rows: [], notFullScore: [] }, {
  outputDir: "o",
  model: chat,
  ctx: { lang: "en", seed: 0 },
});
const seeds: SeedRow[] = [{ id: "1", instruction: "Write." }];
const built: Promise<RunSummary> = buildTrace(seeds, { outputDir: "o", model: llm, ctx: { lang: "zh", seed: 1 } });
const dims: readonly Dimension[] = DIMENSIONS;
type AnyStage = Stage<PipelineRow, PipelineRow>;
let results: ExperimentResults | undefined;
const mean: number | undefined = results?.summary.iopo?.if_m?.mean;

export {
  records, ds, err, method, notAMethod, out, sameLoss, weights, result, generator, runner, compiled, feed, verdict,
  checker, viaNamespace, viaRoot, csr, run, rv, metrics, parsed, ops, pairs, built, dims, mean,
};
export type { AnyStage };
`;
