import type { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";

/**
 * One flag per concept across every command (the README's "Command line: one vocabulary" table): each command that
 * has a concept accepts its chosen name, shows no other spelling in --help, and still accepts the old spellings
 * (hidden aliases) with the same meaning.
 */

const TRACE = ["trace build", "trace expand", "trace structure", "trace filter", "trace respond", "trace judge"];
const TRACE_STAGES = TRACE.slice(1);
const PAIRS = ["pairs dpo", "pairs iopo"];
const EVAL = ["eval trace", "eval ifeval", "eval cfbench", "eval complexbench"];
const JUDGED = ["eval trace", "eval cfbench", "eval complexbench"];
/** The commands that check rows against a local model's context (src/model/context-fit.ts). */
const CONTEXT = ["generate", "logprobs", "score", "eval trace", "eval ifeval"];

/** concept -> the chosen flag -> the commands that have the concept. */
const VOCABULARY: { concept: string; flag: string; commands: string[] }[] = [
  {
    concept: "output file",
    flag: "--output",
    commands: [...TRACE_STAGES, "generate", "logprobs", "score", "export trl", "convert"],
  },
  {
    concept: "output folder",
    flag: "--output-dir",
    commands: ["demo", "experiment", "trace build", ...PAIRS, "tiny-model", ...EVAL, "export llamafactory"],
  },
  {
    concept: "input file",
    flag: "--input",
    commands: [
      ...TRACE,
      ...PAIRS,
      "generate",
      "logprobs",
      "score",
      "inspect",
      "export llamafactory",
      "export trl",
      "convert",
    ],
  },
  { concept: "benchmark data", flag: "--data", commands: EVAL },
  { concept: "endpoint model name", flag: "--model", commands: [...TRACE, ...PAIRS, ...EVAL, "cache clear"] },
  {
    concept: "local model folder",
    flag: "--model-dir",
    commands: ["generate", "logprobs", "score", "inspect", ...EVAL],
  },
  { concept: "base URL", flag: "--base-url", commands: [...TRACE, ...PAIRS, ...EVAL] },
  { concept: "API key variable", flag: "--api-key-env", commands: [...TRACE, ...PAIRS, ...EVAL] },
  { concept: "judge model", flag: "--judge-model", commands: [...TRACE, ...PAIRS, ...JUDGED] },
  { concept: "judge base URL", flag: "--judge-base-url", commands: [...TRACE, ...PAIRS, ...JUDGED] },
  { concept: "judge API key variable", flag: "--judge-api-key-env", commands: [...TRACE, ...PAIRS, ...JUDGED] },
  { concept: "generation length", flag: "--max-tokens", commands: ["generate", ...EVAL] },
  { concept: "temperature", flag: "--temperature", commands: ["generate", ...JUDGED] },
  { concept: "top_p", flag: "--top-p", commands: ["generate", ...JUDGED] },
  { concept: "seed", flag: "--seed", commands: [...TRACE, ...PAIRS, "generate", "tiny-model", "eval trace"] },
  { concept: "concurrency", flag: "--concurrency", commands: [...TRACE, ...PAIRS, ...EVAL] },
  { concept: "batch size", flag: "--batch-size", commands: ["generate", "logprobs", "score", "eval ifeval"] },
  { concept: "progress display", flag: "--progress", commands: [...TRACE, ...PAIRS, ...JUDGED] },
  { concept: "seeds of an experiment", flag: "--seeds", commands: ["demo", "experiment"] },
  { concept: "the rollout rows of an experiment", flag: "--with-rl", commands: ["demo", "experiment"] },
  { concept: "record selection", flag: "--limit", commands: ["eval trace", "eval ifeval"] },
  { concept: "record selection", flag: "--ids", commands: ["eval trace", "eval ifeval"] },
  { concept: "input format", flag: "--from", commands: ["convert", "export llamafactory", "export trl"] },
  { concept: "dry run", flag: "--dry-run", commands: ["demo", "experiment", ...TRACE, ...PAIRS, "train", ...EVAL] },
  { concept: "context limit of a local model", flag: "--max-length", commands: CONTEXT },
  { concept: "over-long rows", flag: "--on-overlong", commands: CONTEXT },
  { concept: "prompt-size guard", flag: "--max-prompt-tokens", commands: [...TRACE, ...PAIRS, ...EVAL] },
  { concept: "failed calls a run may have", flag: "--max-call-failures", commands: [...TRACE, ...PAIRS] },
  {
    concept: "run folder lock",
    flag: "--force-unlock",
    commands: ["demo", "experiment", ...TRACE, ...PAIRS, "train", ...EVAL],
  },
  { concept: "finished evaluation", flag: "--overwrite", commands: EVAL },
  {
    concept: "LLM response cache",
    flag: "--cache",
    commands: [...TRACE, ...PAIRS, ...EVAL, "cache stats", "cache clear"],
  },
];

/** Old spellings that keep working: command -> [alias, value, attribute it sets, the value it sets]. */
const ALIASES: Record<string, [string, string, string, unknown][]> = {
  generate: [
    ["--model", "M", "modelDir", "M"],
    ["--data", "D", "input", "D"],
    ["--max-new-tokens", "7", "maxTokens", 7],
    ["--max_new_tokens", "7", "maxTokens", 7],
    ["--top_p", "0.5", "topP", 0.5],
    ["--batch_size", "3", "batchSize", 3],
    ["--max_length", "64", "maxLength", 64],
    ["--on_overlong", "truncate", "onOverlong", "truncate"],
  ],
  logprobs: [
    ["--model", "M", "modelDir", "M"],
    ["--data", "D", "input", "D"],
    ["--batch_size", "3", "batchSize", 3],
    ["--cache_dir", "C", "cacheDir", "C"],
    ["--max_length", "64", "maxLength", 64],
    ["--on_overlong", "error", "onOverlong", "error"],
  ],
  score: [
    ["--model", "M", "modelDir", "M"],
    ["--data", "D", "input", "D"],
    ["--batch_size", "3", "batchSize", 3],
    ["--max_length", "64", "maxLength", 64],
    ["--on_overlong", "truncate", "onOverlong", "truncate"],
  ],
  inspect: [
    ["--model", "M", "modelDir", "M"],
    ["--data", "D", "input", "D"],
  ],
  "tiny-model": [
    ["-o", "O", "outputDir", "O"],
    ["--output", "O", "outputDir", "O"],
    ["--model_type", "llama", "modelType", "llama"],
    ["--hidden_size", "16", "hiddenSize", 16],
    ["--num_hidden_layers", "3", "numHiddenLayers", 3],
  ],
  "eval trace": [
    ["--out", "O", "outputDir", "O"],
    ["--max-new-tokens", "9", "maxTokens", 9],
    ["--max_new_tokens", "9", "maxTokens", 9],
    ["--max_length", "64", "maxLength", 64],
    ["--on_overlong", "truncate", "onOverlong", "truncate"],
  ],
  "eval cfbench": [["--out", "O", "outputDir", "O"]],
  "eval complexbench": [["--out", "O", "outputDir", "O"]],
  "eval ifeval": [
    ["--input-data", "D", "data", "D"],
    ["--endpoint", "http://x/v1", "baseUrl", "http://x/v1"],
    ["--max_new_tokens", "9", "maxTokens", 9],
    ["--max-new-tokens", "9", "maxTokens", 9],
    ["--batch_size", "4", "batchSize", 4],
    ["--max_length", "64", "maxLength", 64],
    ["--on_overlong", "error", "onOverlong", "error"],
  ],
  "export llamafactory": [
    ["--data", "D", "input", "D"],
    ["--data-format", "iopo", "from", "iopo"],
    ["--model", "M", "modelNameOrPath", "M"],
  ],
  "export trl": [
    ["--data", "D", "input", "D"],
    ["--data-format", "dpo", "from", "dpo"],
  ],
};

function leaves(cmd: Command, path: string[] = []): [string, Command][] {
  if (cmd.commands.length === 0) return [[path.join(" "), cmd]];
  return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

function find(program: Command, path: string): Command {
  let c = program;
  for (const name of path.split(" ")) c = c.commands.find((x) => x.name() === name)!;
  return c;
}

const visible = (cmd: Command) => cmd.options.filter((o: Option) => !o.hidden);

/** Parse `path args` with the action replaced, returning the options the action would get. */
async function parsed(path: string, args: string[], satisfied?: string): Promise<Record<string, unknown>> {
  const program = buildProgram();
  const cmd = find(program, path);
  let got: Record<string, unknown> | undefined;
  cmd.action((opts: Record<string, unknown>) => {
    got = opts;
  });
  const quiet = (c: Command): void => {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const s of c.commands) quiet(s);
  };
  quiet(program);
  // Satisfy the command's other required options with placeholders.
  const given = new Set(args.filter((a) => a.startsWith("-")));
  const filler: string[] = [];
  for (const o of cmd.options as Option[]) {
    // `satisfied`: the attribute an alias under test sets, which must satisfy a required option by itself.
    if (!o.mandatory || given.has(o.long!) || (o.short && given.has(o.short)) || o.attributeName() === satisfied)
      continue;
    filler.push(o.long!, o.argChoices ? o.argChoices[0] : "x");
  }
  await program.parseAsync(["node", "iopo", ...path.split(" "), ...filler, ...args]);
  if (!got) throw new Error(`${path}: the action did not run`);
  return got;
}

describe("one flag vocabulary across all commands", () => {
  const program = buildProgram();
  const all = new Map(leaves(program));

  it("the table lists real commands", () => {
    for (const row of VOCABULARY) for (const c of row.commands) expect(all.has(c), c).toBe(true);
    for (const c of Object.keys(ALIASES)) expect(all.has(c), c).toBe(true);
  });

  it.each(VOCABULARY)("$concept: $flag in every command that has the concept", ({ flag, commands }) => {
    for (const c of commands) {
      const cmd = all.get(c)!;
      expect(
        visible(cmd).some((o) => o.long === flag),
        `iopo ${c} ${flag}`,
      ).toBe(true);
    }
  });

  it("--help shows kebab-case names only (iopo train's keys are snake_case config keys by design) and no old spelling", () => {
    const old = ["--out", "--endpoint", "--input-data", "--data-format", "--max-new-tokens", "--output-file"];
    for (const [path, cmd] of all) {
      for (const o of visible(cmd)) {
        expect(o.long ?? "", `iopo ${path}`).not.toMatch(/_/);
        expect(old, `iopo ${path} ${o.long}`).not.toContain(o.long);
      }
      // A command with an output file spells it -o/--output; an output folder is never -o.
      const output = visible(cmd).find((o) => o.long === "--output");
      if (output) expect(output.short, `iopo ${path}`).toBe("-o");
    }
  });

  it("the chosen names parse: --model-dir/--input/--max-tokens reach the action", async () => {
    const g = await parsed("generate", ["--model-dir", "M", "--input", "D", "--max-tokens", "5", "-o", "O"]);
    expect(g).toMatchObject({ modelDir: "M", input: "D", maxTokens: 5, output: "O" });
    const e = await parsed("eval trace", ["--output-dir", "O", "--max-tokens", "5", "--model-dir", "M"]);
    expect(e).toMatchObject({ outputDir: "O", maxTokens: 5, modelDir: "M" });
  });

  const aliasCases = Object.entries(ALIASES).flatMap(([path, list]) => list.map((a) => [path, ...a] as const));
  it.each(aliasCases)(
    "iopo %s %s (old spelling, hidden) sets the same option",
    async (path, alias, value, attr, want) => {
      const cmd = all.get(path)!;
      const opt = (cmd.options as Option[]).find((o) => o.long === alias || o.short === alias);
      expect(opt, alias).toBeDefined();
      expect(opt!.hidden, alias).toBe(true);
      const opts = await parsed(path, [alias, value], attr);
      expect(opts[attr]).toEqual(want);
    },
  );

  it("a bad value through an alias is the same usage error as through the chosen name", async () => {
    await expect(parsed("generate", ["--model-dir", "M", "--input", "D", "--top_p", "2"])).rejects.toThrow(
      /expected a number in \[0, 1\]/,
    );
    await expect(parsed("tiny-model", ["--model_type", "gpt"])).rejects.toThrow(/Allowed choices are qwen2, llama/);
    await expect(parsed("logprobs", ["--on_overlong", "drop"])).rejects.toThrow(
      /Allowed choices are skip, truncate, error/,
    );
  });
});
