import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { UsageError } from "../../src/cli/options.js";
import { DataError } from "../../src/data/errors.js";
import { evalIfeval, type Output } from "../../src/eval/ifeval/run.js";
import { sha256 } from "../../src/util/hash.js";

const tmp = mkdtempSync(join(tmpdir(), "iopo-ifeval-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const write = (name: string, text: string) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const capture = (): Output & { stdout: string; stderr: string } => {
  const o = {
    stdout: "",
    stderr: "",
    out: (t: string) => {
      o.stdout += t;
    },
    err: (t: string) => {
      o.stderr += t;
    },
  };
  return o;
};

// Three prompts with checks that need no language tools; key 3 repeats an id (counts twice).
const PROMPTS = [
  { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
  {
    key: 2,
    prompt: "Quote a title.",
    instruction_id_list: ["startend:quotation", "detectable_format:title"],
    kwargs: [{}, {}],
  },
  {
    key: 3,
    prompt: "Mention cats and dogs.",
    instruction_id_list: ["keywords:existence", "keywords:existence"],
    kwargs: [{ keywords: ["cat"] }, { keywords: ["dog"] }],
  },
  { key: 4, prompt: "Never answered.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
];
const inputData = write("input.jsonl", jsonl(PROMPTS));

describe("iopo eval ifeval --responses", () => {
  it("scores by prompt and by key, reports missing/unmatched, writes the reference's files", async () => {
    const responses = write(
      "responses.jsonl",
      jsonl([
        { prompt: "Quote a title.", response: '"<<Title>> here"' },
        { key: 3, response: "Sure, a cat." },
        { prompt: "Unknown prompt", response: "x" },
        { prompt: "Say hi without commas.", response: "Hi there, friend" },
      ]),
    );
    const outputDir = join(tmp, "out1");
    const io = capture();
    const scores = await evalIfeval({ responses, inputData, outputDir }, io);

    // 3 scored prompts: [T,T] all; [T,F] not; [F] not -> 1/3 prompts; 3/5 instructions (key 3 counts twice).
    const m = JSON.parse(readFileSync(join(outputDir, "metrics.json"), "utf8"));
    expect(m.prompt_level_strict_acc).toBeCloseTo(1 / 3, 12);
    expect(m.inst_level_strict_acc).toBeCloseTo(3 / 5, 12);
    // Loose: dropping lines cannot help these one-line responses, so loose == strict here.
    expect(m.prompt_level_loose_acc).toBeCloseTo(1 / 3, 12);
    expect(m.inst_level_loose_acc).toBeCloseTo(3 / 5, 12);
    expect(m.strict.per_instruction["keywords:existence"]).toEqual({ total: 2, correct: 1, accuracy: 0.5 });
    expect(m.missing_responses).toEqual([{ key: 4, prompt: "Never answered." }]);
    expect(m.unmatched_responses).toEqual([{ line: 3, prompt: "Unknown prompt" }]);
    expect(m.matched_by_key).toBe(1);
    expect(m.deviations.join(" ")).toMatch(/letter_frequency/);
    expect(scores!.metrics.num_responses).toBe(3);
    expect(m.input_data).toEqual({ file: inputData, sha256: sha256(readFileSync(inputData)) });
    expect(m.responses.file).toBe(responses);

    // Result files: one line per scored response, responses-file order, Python json.dumps format.
    const strict = readFileSync(join(outputDir, "eval_results_strict.jsonl"), "utf8").trimEnd().split("\n");
    expect(strict).toHaveLength(3);
    expect(strict[0]).toBe(
      '{"follow_all_instructions": true, "follow_instruction_list": [true, true], "instruction_id_list": ' +
        '["startend:quotation", "detectable_format:title"], "prompt": "Quote a title.", "response": "\\"<<Title>> here\\""}',
    );
    expect(JSON.parse(strict[1]).follow_instruction_list).toEqual([true, false]);
    expect(JSON.parse(strict[2]).prompt).toBe("Say hi without commas.");
    expect(existsSync(join(outputDir, "eval_results_loose.jsonl"))).toBe(true);

    for (const name of [
      "prompt_level_strict_acc",
      "inst_level_strict_acc",
      "prompt_level_loose_acc",
      "inst_level_loose_acc",
    ])
      expect(io.stdout).toContain(name);
    expect(io.stdout).toMatch(/keywords:existence\s+2\s+50\.00%\s+50\.00%/);
    expect(io.stderr).toMatch(/1 prompt\(s\) have no response.*keys: 4/);
    expect(io.stderr).toMatch(/1 response\(s\) match no prompt.*lines: 3/);
  });

  it("a row's own instruction_id_list and kwargs take precedence; --json prints the metrics", async () => {
    const responses = write(
      "own.jsonl",
      jsonl([
        {
          prompt: "Say hi without commas.",
          response: "hi, you",
          instruction_id_list: ["keywords:existence"],
          kwargs: [{ keywords: ["hi"] }],
        },
      ]),
    );
    const io = capture();
    await evalIfeval({ responses, inputData, outputDir: join(tmp, "out2"), json: true }, io);
    const m = JSON.parse(io.stdout);
    expect(m.inst_level_strict_acc).toBe(1); // no_comma of the input data would have failed
    expect(m.strict.per_instruction).toHaveProperty(["keywords:existence"]);
  });

  it("names file, line and field of bad kwargs, and writes nothing", async () => {
    const bad = write("bad.jsonl", jsonl([PROMPTS[0], { ...PROMPTS[2], kwargs: [{ keywords: "cat" }, {}] }]));
    const responses = write("r.jsonl", jsonl([{ key: 1, response: "x" }]));
    const outputDir = join(tmp, "out3");
    const err = await evalIfeval({ responses, inputData: bad, outputDir }, capture()).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain(`${bad}:2: field "kwargs.0.keywords"`);
    expect(existsSync(outputDir)).toBe(false);
  });

  it("runs through the CLI program with the bundled prompts as default input", async () => {
    const responses = write("bundled.jsonl", jsonl([{ key: 1000, response: "no commas at all" }]));
    const outputDir = join(tmp, "out4");
    const log: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((t: string) => log.push(t) > 0) as typeof process.stdout.write;
    try {
      await buildProgram().parseAsync([
        "node",
        "iopo",
        "eval",
        "ifeval",
        "--responses",
        responses,
        "--output-dir",
        outputDir,
        "--json",
      ]);
    } finally {
      process.stdout.write = orig;
    }
    const m = JSON.parse(log.join(""));
    expect(m.num_responses).toBe(1);
    expect(m.missing_responses).toHaveLength(540);
    // key 1000: no_comma holds, 3 highlights and 300 words do not.
    expect(m.inst_level_strict_acc).toBeCloseTo(1 / 3, 12);
  });

  it("--help documents the flags, the files and the deliberate deviations", () => {
    const program = buildProgram();
    const cmd = program.commands.find((c) => c.name() === "eval")!.commands.find((c) => c.name() === "ifeval")!;
    let text = "";
    cmd.configureOutput({ writeOut: (t) => (text += t) });
    cmd.outputHelp();
    for (const s of [
      "--responses",
      "--data <file>",
      "--output-dir",
      "--json",
      "--base-url",
      "--model <name>",
      "--model-dir",
      "--max-tokens",
      "--limit",
      "--ids",
      "eval_results_strict.jsonl",
      "metrics.json",
    ])
      expect(text).toContain(s);
    // Old spellings still parse (tests below use them) but are not shown.
    for (const s of ["--input-data", "--endpoint", "--max_new_tokens", "--batch_size"]) expect(text).not.toContain(s);
    expect(text).toMatch(/Deliberate deviations[\s\S]*letter_frequency[\s\S]*literal[\s\S]*random letter/);
  });

  it("--model with a folder that is not a model folder, or no folder and no endpoint, fails clearly", async () => {
    const env = { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }; // a folder wins over the default endpoint
    const err = await evalIfeval({ model: tmp, inputData, outputDir: join(tmp, "out5"), env }, capture()).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(tmp);
    const missing = await evalIfeval({ model: join(tmp, "nope"), inputData, env: {} }, capture()).catch((e) => e);
    expect(missing.message).toMatch(/no model folder there, and no endpoint/);
  });
});

describe("iopo eval ifeval --limit / --ids, and iopo generate's rows", () => {
  // Rows as `iopo generate` writes them: the input fields (key, prompt, instruction_id_list, kwargs) + the answer.
  const generated = PROMPTS.map((p, i) => ({ ...p, [i % 2 ? "text" : "response"]: "hi there", token_ids: [1, 2] }));
  const responses = write("generated.jsonl", jsonl(generated));

  it("reads `response` and `text`; --ids / --limit score only those prompts, others are left out (not unmatched)", async () => {
    const all = await evalIfeval({ responses, inputData, outputDir: join(tmp, "gen-all") }, capture());
    expect(all!.metrics.num_responses).toBe(4);
    const io = capture();
    const some = await evalIfeval({ responses, inputData, outputDir: join(tmp, "gen-ids"), ids: [3, 1] }, io);
    expect(some!.strict.map((r) => r.prompt)).toEqual(["Say hi without commas.", "Mention cats and dogs."]);
    expect(some!.metrics.unmatched_responses).toEqual([]);
    expect(some!.metrics.missing_responses).toEqual([]);
    expect(some!.metrics.selection).toEqual({ ids: [3, 1], limit: null, prompts: 2, of: 4, responses_outside: 2 });
    expect(io.stderr).not.toMatch(/match no prompt/);
    const first = await evalIfeval({ responses, inputData, outputDir: join(tmp, "gen-limit"), limit: 1 }, capture());
    expect(first!.metrics.num_responses).toBe(1);
    expect(first!.strict[0].prompt).toBe("Say hi without commas.");
    await expect(evalIfeval({ responses, inputData, outputDir: tmp, ids: [9] }, capture())).rejects.toThrow(
      /--ids: no prompt with key 9/,
    );
  });

  it("the CLI takes --data, --limit and --ids (and the old --input-data)", async () => {
    const { main } = await import("../../src/cli/main.js");
    const out = join(tmp, "gen-cli");
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      // biome-ignore format: one flag per pair
      await main(["node", "iopo", "eval", "ifeval", "--responses", responses, "--data", inputData, "--ids", "2,4",
        "--output-dir", out, "--json"]);
    } finally {
      process.stdout.write = stdout;
    }
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.num_responses).toBe(2);
    expect(metrics.selection.prompts).toBe(2);
    expect(metrics.input_data.file).toBe(inputData);
  });
});

describe("iopo eval ifeval --endpoint (OpenAI-compatible server on 127.0.0.1)", () => {
  let server: Server;
  let url: string;
  const requests: {
    model: string;
    temperature: number;
    max_tokens: number;
    messages: { role: string; content: string }[];
  }[] = [];
  let failNext = 0;
  let rejectPrompt: string | undefined;
  const REPLIES: Record<string, string> = {
    "Say hi without commas.": "Hi there friend",
    "Quote a title.": "<<No quotes>>",
    "Mention cats and dogs.": "cats and dogs",
    "Never answered.": "Now, answered",
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"boom"}}');
          return;
        }
        const r = JSON.parse(body);
        if (r.messages[0].content === rejectPrompt) {
          res.writeHead(400, { "content-type": "application/json" }).end('{"error":{"message":"bad request"}}');
          return;
        }
        requests.push(r);
        const prompt = r.messages[0].content;
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            created: 0,
            model: r.model,
            choices: [{ index: 0, message: { role: "assistant", content: REPLIES[prompt] }, finish_reason: "stop" }],
            usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
          }),
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("generates greedy responses (retrying a 500), saves them in prompt order, scores them; a rerun reuses them", async () => {
    const outputDir = join(tmp, "gen");
    const cache = join(tmp, "llm-cache.sqlite");
    const base = {
      model: "tiny-chat",
      inputData,
      outputDir,
      maxNewTokens: 64,
      llm: { concurrency: 2, cachePath: cache },
      env: {},
    };
    failNext = 1;
    const io = capture();
    const scores = (await evalIfeval({ ...base, baseUrl: url }, io))!;
    expect(requests).toHaveLength(4);
    for (const r of requests) {
      expect(r.model).toBe("tiny-chat");
      expect(r.temperature).toBe(0);
      expect(r.max_tokens).toBe(64);
      expect(r.messages).toHaveLength(1);
      expect(r.messages[0].role).toBe("user");
    }
    const saved = readFileSync(join(outputDir, "responses.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(saved.map((r) => r.key)).toEqual([1, 2, 3, 4]);
    expect(saved[2]).toMatchObject({ prompt: "Mention cats and dogs.", response: "cats and dogs", model: "tiny-chat" });
    // key 1 ok; key 2 quotation fails, title ok; key 3 both ok; key 4 has a comma -> 2/4 prompts, 4/6 instructions.
    expect(scores.metrics.prompt_level_strict_acc).toBe(0.5);
    expect(scores.metrics.inst_level_strict_acc).toBeCloseTo(4 / 6, 12);
    expect(scores.metrics.missing_responses).toEqual([]);
    expect(scores.metrics.generation).toMatchObject({ model: "tiny-chat", base_url: url, generated: 4, reused: 0 });
    expect((scores.metrics.generation!.scheduler as { retries: number }).retries).toBe(1);
    expect(io.stderr).toMatch(/4 generated, 0 reused/);

    // Rerun: every prompt is already answered in responses.jsonl, nothing is asked.
    const again = (await evalIfeval({ ...base, baseUrl: url }, capture()))!;
    expect(requests).toHaveLength(4);
    expect(again.metrics.inst_level_strict_acc).toBe(scores.metrics.inst_level_strict_acc);

    // A fresh output folder with the same cache: answered from the response cache, still no request.
    const cached = (await evalIfeval({ ...base, baseUrl: url, outputDir: join(tmp, "gen2") }, capture()))!;
    expect(requests).toHaveLength(4);
    expect((cached.metrics.generation!.cache as { hits: number }).hits).toBe(4);
    expect(cached.metrics.inst_level_strict_acc).toBe(scores.metrics.inst_level_strict_acc);
  });

  it("a failed call stops the run but keeps what was generated; the rerun asks only for the rest", async () => {
    const outputDir = join(tmp, "fail");
    const base = {
      baseUrl: url,
      model: "tiny-chat",
      inputData,
      outputDir,
      llm: { concurrency: 1, noCache: true },
      env: {},
    };
    const before = requests.length;
    rejectPrompt = "Never answered.";
    await expect(evalIfeval(base, capture())).rejects.toThrow(/400/);
    const kept = readFileSync(join(outputDir, "responses.jsonl"), "utf8").trimEnd().split("\n");
    expect(kept).toHaveLength(3);
    expect(existsSync(join(outputDir, "metrics.json"))).toBe(false);
    rejectPrompt = undefined;
    const scores = (await evalIfeval(base, capture()))!;
    expect(requests.length - before).toBe(4); // 3 in the first run, 1 in the second
    expect(scores.metrics.num_responses).toBe(4);
  });

  it("--dry-run reports the requests it would send and scores nothing", async () => {
    const outputDir = join(tmp, "dry");
    const before = requests.length;
    const io = capture();
    const result = await evalIfeval(
      { baseUrl: url, model: "tiny-chat", inputData, outputDir, llm: { dryRun: true, noCache: true }, env: {} },
      io,
    );
    expect(result).toBeUndefined();
    expect(io.stdout).toMatch(/dry run: 4 chat request\(s\) would be sent/);
    expect(io.stdout).toContain('"temperature":0');
    expect(existsSync(join(outputDir, "metrics.json"))).toBe(false);
    expect(requests.length).toBe(before);
  });

  it("an endpoint without --model is a usage error", async () => {
    const argv = ["node", "iopo", "eval", "ifeval", "--endpoint", url, "--input-data", inputData];
    await expect(buildProgram().parseAsync(argv)).rejects.toThrow(UsageError);
    await expect(evalIfeval({ baseUrl: url, inputData, env: {} }, capture())).rejects.toThrow(/needs --model NAME/);
  });
});
