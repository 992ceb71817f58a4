import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { DataError } from "../../src/data/errors.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";
import { lockFileFor, RunLockedError } from "../../src/util/run-lock.js";
import { runCliAsync, spawnCli } from "../helpers/cli.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { traceResponder } from "../helpers/trace-responder.js";
import { toyRecord } from "../pairs/toy-world.js";

/**
 * Run folders through the CLI: one run per folder (two real processes), what a second run into a finished folder
 * does (refused, resumed, overwritten), damaged checkpoints and divergence, as a user meets them.
 */

const root = mkdtempSync(join(tmpdir(), "iopo-runs-"));
const model = join(root, "tiny");
writeTinyModel(model, { modelType: "qwen2", hiddenSize: 32, numLayers: 2, seed: 3 });
const sft = join(root, "sft.jsonl");
writeFileSync(
  sft,
  Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `Say something about topic ${i}.` },
        { role: "assistant", content: `red blue green ${i} one two` },
      ],
    }),
  ).join("\n"),
);
// biome-ignore format: one flag per pair
const train = (out: string, ...extra: string[]) => [
  "train", "--model_name_or_path", model, "--dataset", sft, "--method", "sft", "--finetuning_type", "full",
  "--output_dir", out, "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1",
  "--lr_scheduler_type", "constant", "--warmup_ratio", "0", "--logging_steps", "1", ...extra,
];
const numericLog = (dir: string) =>
  readFileSync(join(dir, "trainer_log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).filter(([k]) => !["elapsed_time", "remaining_time", "tokens_per_second"].includes(k)),
      ),
    );

/** The program with every command throwing instead of exiting (as main() sets it up), to run in this process. */
function program(): Command {
  const p = buildProgram();
  const each = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) each(sub);
  };
  each(p);
  return p;
}

/** `iopo <args>` in this process (no process start-up: cheaper than a child), with stdout and stderr captured. */
async function inProcess(args: string[]): Promise<{ error: unknown; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((t) => {
    stdout += String(t);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((t) => {
    stderr += String(t);
    return true;
  });
  let error: unknown;
  try {
    await program().parseAsync(["node", "iopo", ...args]);
  } catch (err) {
    error = err;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { error, stdout, stderr };
}

async function waitFor(what: () => boolean, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("iopo train: one run per output_dir", () => {
  it("a second run exits 75 naming the first; SIGTERM releases the lock; a finished folder needs --overwrite_output_dir", async () => {
    const out = join(root, "shared");
    const first = spawnCli(train(out, "--max_steps", "100000", "--save_steps", "100000", "--logging_steps", "1000"));
    const firstDone = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      first.on("close", (code, signal) => resolve({ code, signal })),
    );
    let firstErr = "";
    first.stderr?.on("data", (d) => {
      firstErr += d;
    });
    await waitFor(() => existsSync(join(out, "trainer_log.jsonl"))); // training has begun
    const second = await runCliAsync(train(out, "--max_steps", "2", "--learning_rate", "1e-3"));
    expect(second.status, second.stderr).toBe(75);
    expect(second.stderr).toContain(
      `${lockFileFor(out)}: in use by another run: pid ${first.pid} on host ${hostname()}`,
    );
    expect(second.stderr).toContain("--max_steps 100000");
    first.kill("SIGTERM");
    expect(await firstDone, firstErr).toEqual({ code: null, signal: "SIGTERM" });
    expect(existsSync(lockFileFor(out))).toBe(false);

    // the rest in this process (exit codes of DataError and of success are main()'s, tested in options.test.ts)
    const fresh = await inProcess(train(out, "--max_steps", "2"));
    expect(fresh.error).toBeInstanceOf(DataError);
    expect(String(fresh.error)).toMatch(
      /shared: field "output_dir": holds a previous training run \(trainer_log\.jsonl\)/,
    );
    const over = await inProcess(
      train(out, "--max_steps", "4", "--save_steps", "2", "--learning_rate", "1e-3", "--overwrite_output_dir"),
    );
    expect(over.error, over.stderr).toBeUndefined();
    expect(over.stderr).toMatch(/overwrite_output_dir: removed the previous run from .*shared \(trainer_log\.jsonl\)/);
    expect(over.stderr).not.toMatch(/warning/); // a healthy run never trips the divergence watch
    expect(readdirSync(out).filter((f) => f.startsWith("checkpoint-"))).toEqual(["checkpoint-2", "checkpoint-4"]);
    expect(numericLog(out)).toHaveLength(4);
  });

  it("--resume passes over a damaged checkpoint, says which it continued from, and replays the same trajectory", async () => {
    const out = join(root, "damaged");
    const done = await inProcess(train(out, "--max_steps", "4", "--save_steps", "2", "--learning_rate", "1e-3"));
    expect(done.error, done.stderr).toBeUndefined();
    const reference = numericLog(out);
    const flip = (file: string) => {
      const b = readFileSync(file);
      b[b.length - 3] ^= 0x55;
      writeFileSync(file, b);
    };
    flip(join(out, "checkpoint-4", "model.safetensors"));
    const resumed = await inProcess(
      train(out, "--max_steps", "4", "--save_steps", "2", "--learning_rate", "1e-3", "--resume"),
    );
    expect(resumed.error, resumed.stderr).toBeUndefined();
    expect(resumed.stderr).toContain("checkpoint-4/model.safetensors: SHA-256 differs from checkpoint.sha256");
    expect(resumed.stderr).toContain(`resuming from ${join(out, "checkpoint-2")} (step 2)`);
    expect(numericLog(out)).toEqual(reference);

    flip(join(out, "checkpoint-4", "optimizer.safetensors"));
    writeFileSync(join(out, "checkpoint-2", "trainer_state.json"), "{");
    const none = await inProcess(
      train(out, "--max_steps", "4", "--save_steps", "2", "--learning_rate", "1e-3", "--resume"),
    );
    expect(none.error).toBeInstanceOf(DataError);
    expect(String(none.error)).toMatch(
      /no intact checkpoint to resume from: checkpoint-4\/optimizer\.safetensors: SHA-256 differs .*; checkpoint-2\/trainer_state\.json: not valid JSON/,
    );
  });

  it("a run that diverges without NaN (lr 1e3) stops non-zero, warning first, keeping no checkpoint from the divergence", async () => {
    const out = join(root, "diverge");
    const r = await runCliAsync(train(out, "--max_steps", "30", "--save_steps", "1", "--learning_rate", "1000"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/warning: step 2: loss .* x the median .* \(divergence_factor 10\)/);
    expect(r.stderr).toMatch(
      /iopo: the loss diverged at step 6: 5 steps in a row with a loss spike or a zero gradient norm/,
    );
    expect(r.stderr).toContain(`Last good checkpoint: ${join(out, "checkpoint-1")}`);
    expect(readdirSync(out).filter((f) => f.startsWith("checkpoint-"))).toEqual(["checkpoint-1"]);
  });
});

describe("trace build: one run per folder, and a rerun resumes", () => {
  let server: FakeOpenAIServer;
  afterAll(async () => {
    await server?.close();
  });

  it("a second build into a running build's folder exits 75; the rerun after it says what it resumes", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    // the first build's calls wait until the test opens the gate
    server = await startFakeOpenAIServer({
      reply: async (req) => {
        await gate;
        return traceResponder({ messages: req.messages as never });
      },
    });
    const seeds = join(root, "seeds.jsonl");
    writeFileSync(seeds, '{"id": "a", "instruction": "Write a note about rivers."}\n');
    const out = join(root, "trace");
    // biome-ignore format: one flag per pair
    const args = ["trace", "build", "--input", seeds, "--output-dir", out, "--base-url", server.baseUrl, "--model", "m",
      "--lang", "en", "--progress", "none", "--no-cache"];
    const first = runCliAsync(args);
    await waitFor(() => existsSync(lockFileFor(out)));
    const second = await runCliAsync(args);
    expect(second.status).toBe(75);
    expect(second.stderr).toMatch(/\.iopo\.lock: in use by another run: pid \d+ .*iopo trace build --input/);
    open();
    const a = await first;
    expect(a.status, a.stderr).toBe(0);
    const again = await inProcess(args);
    expect(again.error, again.stderr).toBeUndefined();
    expect(again.stderr).toMatch(/^resuming from .*trace \(journaled rows: expand 1, structure 1, filter_complete 1/m);
  });
});

describe("every command that writes a run folder refuses one held by a live run", () => {
  const dir = mkdtempSync(join(tmpdir(), "iopo-held-"));
  const hold = (target: string, kind: "dir" | "file" = "dir") => {
    const file = lockFileFor(target, kind);
    mkdirSync(join(file, ".."), { recursive: true });
    // the holder: a live process of this host that is not the command itself (the test runner)
    writeFileSync(
      file,
      JSON.stringify({
        pid: process.ppid,
        host: hostname(),
        command: "iopo holder",
        started_at: "t",
        cwd: "/",
        token: "x",
      }),
    );
    return target;
  };
  const seeds = join(dir, "seeds.jsonl");
  writeFileSync(seeds, '{"instruction": "Write a haiku."}\n');
  const records = join(dir, "trace.jsonl");
  writeFileSync(records, `${JSON.stringify(toyRecord("r1", ["C1", "C2"]))}\n`);
  const responses = join(dir, "responses.jsonl");
  writeFileSync(responses, '{"key": 1000, "response": "x"}\n');
  const endpoint = ["--base-url", "http://127.0.0.1:9/v1", "--model", "m"];
  const cases: [string, string[]][] = [
    ["train", train(hold(join(dir, "train")), "--max_steps", "1")],
    ["trace build", ["trace", "build", "--input", seeds, "--output-dir", hold(join(dir, "tb")), ...endpoint]],
    [
      "trace expand",
      ["trace", "expand", "--input", seeds, "--output", hold(join(dir, "x.jsonl"), "file"), ...endpoint],
    ],
    ["pairs iopo", ["pairs", "iopo", "--input", records, "--output-dir", hold(join(dir, "pi")), ...endpoint]],
    ["pairs dpo", ["pairs", "dpo", "--input", records, "--output-dir", hold(join(dir, "pd")), ...endpoint]],
    ["eval trace", ["eval", "trace", "--responses", responses, "--out", hold(join(dir, "et")), "--judge-model", "j"]],
    ["eval ifeval", ["eval", "ifeval", "--responses", responses, "--output-dir", hold(join(dir, "ei"))]],
    ["eval cfbench", ["eval", "cfbench", "--data", "d.json", "--out", hold(join(dir, "ec")), "--judge-model", "j"]],
    [
      "eval complexbench",
      ["eval", "complexbench", "--data", "d.json", "--out", hold(join(dir, "ex")), "--judge-model", "j"],
    ],
    ["demo", ["demo", "--output-dir", hold(join(dir, "demo"))]],
  ];
  it.each(cases)("%s", async (_name, args) => {
    const err = await program()
      .parseAsync(["node", "iopo", ...args])
      .catch((e) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err.message).toContain(
      `in use by another run: pid ${process.ppid} on host ${hostname()} since t (iopo holder)`,
    );
  });
});

describe("a finished evaluation is not overwritten silently", () => {
  it("eval ifeval into a folder with metrics.json is refused; --overwrite replaces it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-evaldone-"));
    const responses = join(dir, "r.jsonl");
    writeFileSync(responses, '{"key": 1000, "response": "no commas at all"}\n');
    const out = join(dir, "out");
    const run = (...extra: string[]) =>
      program().parseAsync([
        "node",
        "iopo",
        "eval",
        "ifeval",
        "--responses",
        responses,
        "--output-dir",
        out,
        "--json",
        ...extra,
      ]);
    const quiet = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await run();
      const before = readFileSync(join(out, "metrics.json"), "utf8");
      const err = await run().catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/out: holds a finished evaluation \(metrics\.json\): give --overwrite/);
      expect(readFileSync(join(out, "metrics.json"), "utf8")).toBe(before);
      await run("--overwrite");
    } finally {
      quiet.mockRestore();
    }
    expect(existsSync(lockFileFor(out))).toBe(false);
  });
});

describe("eval ifeval: generation resumes from the saved responses and says so", () => {
  it("prints 'resuming from <responses.jsonl> (N responses saved)' and asks only for the missing prompts", async () => {
    const server = await startFakeOpenAIServer({ reply: () => "no commas here" });
    try {
      const dir = mkdtempSync(join(tmpdir(), "iopo-evalresume-"));
      const input = join(dir, "input.jsonl");
      // biome-ignore format: two prompts
      writeFileSync(input, [
        { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
        { key: 2, prompt: "Say bye without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
      ].map((r) => JSON.stringify(r)).join("\n"));
      const out = join(dir, "out");
      mkdirSync(out);
      writeFileSync(
        join(out, "responses.jsonl"),
        `${JSON.stringify({ key: 1, prompt: "Say hi without commas.", response: "hi", model: "m", prompt_tokens: 1, completion_tokens: 1 })}\n`,
      );
      const err: string[] = [];
      const spyErr = vi.spyOn(process.stderr, "write").mockImplementation((t) => err.push(String(t)) > 0);
      const spyOut = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        await program().parseAsync([
          "node",
          "iopo",
          "eval",
          "ifeval",
          "--input-data",
          input,
          "--output-dir",
          out,
          "--endpoint",
          server.baseUrl,
          "--model",
          "m",
          "--no-cache",
        ]);
      } finally {
        spyErr.mockRestore();
        spyOut.mockRestore();
      }
      expect(err[0]).toBe(
        `resuming from ${join(out, "responses.jsonl")} (1 response saved; only the missing prompts are asked)\n`,
      );
      expect(server.counts.total).toBe(1);
    } finally {
      await server.close();
    }
  });
});
