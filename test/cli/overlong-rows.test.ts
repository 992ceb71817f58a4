import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/options.js";
import { encodeExample, encodePrompt } from "../../src/model/chat-encoding.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { runInProcess } from "../helpers/main-in-process.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

/**
 * Rows longer than the model's context, through the CLI (in-process) on the tiny model (512 positions): checked up
 * front, the over-long ones skipped with a warning naming file:line (default), truncated, or refused (exit 2), and
 * the other rows written. Before this check, such a row ran past the model's positions silently or failed after
 * minutes with "Invalid typed array length", naming nothing and writing nothing.
 */

const model = tinyModelDir();
const folder = loadModelFolder(model, { loadWeights: false });
const dir = mkdtempSync(join(tmpdir(), "iopo-overlong-"));
const LONG = "word ".repeat(400); // far over 512 tokens under the tiny tokenizer
const promptTokens = (text: string) => encodePrompt(folder, [{ role: "user", content: text }]).ids.length;
const jsonl = (name: string, rows: unknown[]) => {
  const f = join(dir, name);
  writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return f;
};
const readRows = (f: string) =>
  readFileSync(f, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("generate: rows over the model's context", () => {
  const data = jsonl("gen.jsonl", [
    { prompt: "hi", id: 1 },
    { prompt: LONG, id: 2 },
    { prompt: "ok", id: 3 },
  ]);
  const base = ["generate", "--model", model, "--data", data, "--max_new_tokens", "3"];

  it("default (skip): the long row is left out with a warning naming file:line, the others are written", async () => {
    expect(promptTokens(LONG)).toBeGreaterThan(512);
    const out = join(dir, "gen-skip.jsonl");
    const r = await runInProcess([...base, "--output", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `iopo generate: warning: ${data}:2: prompt of ${promptTokens(LONG)} tokens is over the model's ` +
        "max_position_embeddings 512: skipped",
    );
    expect(r.stderr).toMatch(/3 rows checked against the model's max_position_embeddings 512: 1 skipped/);
    expect(readRows(out).map((row) => row.id)).toEqual([1, 3]);
  });

  it("truncate: every row is written, the long one from a cut prompt; error: exit 2 before running", async () => {
    const out = join(dir, "gen-cut.jsonl");
    const cut = await runInProcess([...base, "--output", out, "--on_overlong", "truncate"]);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stderr).toMatch(new RegExp(`${data}:2: prompt of \\d+ tokens is over .*: truncated to 509 tokens`));
    expect(readRows(out).map((row) => row.id)).toEqual([1, 2, 3]);
    const refused = join(dir, "gen-error.jsonl");
    const err = await runInProcess([...base, "--output", refused, "--on-overlong", "error"]);
    expect(err.code).toBe(EXIT.usage);
    expect(err.stderr).toMatch(new RegExp(`^iopo: ${data}:2: prompt of \\d+ tokens leaves no room to generate`));
    expect(err.stderr).not.toContain("Usage:");
    expect(existsSync(refused)).toBe(false);
  });

  it("--max_length lowers the limit; a prompt that fits stops generating where the limit comes", async () => {
    const short = Math.max(promptTokens("hi"), promptTokens("ok"));
    const out = join(dir, "gen-limit.jsonl");
    const r = await runInProcess([
      ...["generate", "--model", model, "--data", data, "--output", out],
      ...["--max_new_tokens", "20", "--max_length", String(short + 2)],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/checked against max_length \d+: 1 skipped .*, 2 will stop generating at the limit/);
    const rows = readRows(out);
    expect(rows.map((row) => row.id)).toEqual([1, 3]);
    for (const row of rows) expect(row.token_ids.length).toBeLessThanOrEqual(short + 2 - promptTokens(row.prompt));
  });
});

describe("logprobs: rows over the model's context", () => {
  const data = jsonl("lp.jsonl", [
    { prompt: "hi", response: "there", id: 1 },
    { prompt: LONG, response: "end", id: 2 },
  ]);
  const base = ["logprobs", "--model", model, "--data", data, "--no-cache"];

  it("skip (default) writes the rows that fit; truncate scores the cut sequence by the training rule", async () => {
    const out = join(dir, "lp-skip.jsonl");
    const r = await runInProcess([...base, "--output", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: ${data}:2: prompt \\+ response of \\d+ tokens is over .*: skipped`));
    expect(readRows(out).map((row) => row.id)).toEqual([1]);
    const cut = join(dir, "lp-cut.jsonl");
    const t = await runInProcess([...base, "--output", cut, "--on_overlong", "truncate"]);
    expect(t.code, t.stderr).toBe(0);
    const rows = readRows(cut);
    expect(rows.map((row) => row.id)).toEqual([1, 2]);
    // The response is short, so infer_seqlen keeps all of it and cuts only the prompt.
    const full = encodeExample(folder, { conversation: [{ role: "user", content: LONG }], response: "end" });
    expect(rows[1].n_tokens).toBe(full.ids.length - full.responseStart);
    const e = await runInProcess([...base, "--output", join(dir, "lp-err.jsonl"), "--on_overlong", "error"]);
    expect(e.code).toBe(EXIT.usage);
    expect(e.stderr).toMatch(new RegExp(`^iopo: ${data}:2: prompt \\+ response of \\d+ tokens, over the model's`));
  });
});

describe("in-process generation of the evaluators: rows over the model's context", () => {
  it("eval trace --model DIR: over-long records are skipped with a warning and listed in metrics.json", async () => {
    const server = await startFakeOpenAIServer({
      reply: () => 'Fine Grained Score: [{"c": 10}]\nConstraints Overall Score: [[10]]',
    });
    try {
      const out = join(dir, "trace-eval");
      // A limit between the two records' prompt lengths (under the tiny model's template): the longer one is skipped.
      const records = readRows("data/trace/2024_trace_evaluation.jsonl").filter((r) => ["7", "13"].includes(r.id));
      const len = (id: string) => encodePrompt(folder, records.find((r) => r.id === id).messages).ids.length;
      const [longer, shorter] = len("7") > len("13") ? ["7", "13"] : ["13", "7"];
      expect(len(longer)).toBeGreaterThan(len(shorter) + 4);
      const limit = len(shorter) + 4;
      const r = await runInProcess([
        ...["eval", "trace", "--ids", "7,13", "--out", out, "--model", model, "--max-tokens", "2"],
        ...["--max-length", String(limit), "--judge-base-url", server.baseUrl, "--judge-model", "j", "--no-cache"],
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(`warning: .*2024_trace_evaluation\\.jsonl \\(record id ${longer}\\): prompt of \\d+ tokens is over`),
      );
      const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
      expect(metrics.provenance.context_check).toMatchObject({
        limit: { tokens: limit, source: `max_length ${limit}` },
        policy: "skip",
        skipped: [longer],
      });
      expect(readRows(join(out, "results.jsonl")).map((x) => x.id)).toEqual([shorter]);
      // All selected records over the limit: nothing to evaluate, a data error.
      const none = await runInProcess([
        ...["eval", "trace", "--ids", longer, "--out", join(dir, "none"), "--model", model, "--max-length", "8"],
        ...["--judge-base-url", server.baseUrl, "--judge-model", "j", "--no-cache"],
      ]);
      expect(none.code).toBe(EXIT.usage);
      expect(none.stderr).toMatch(/all 1 selected records are over max_length 8: nothing to evaluate/);
    } finally {
      await server.close();
    }
  });

  it("eval ifeval --model DIR: a skipped prompt is reported as a missing response", async () => {
    const input = jsonl("ifeval-input.jsonl", [
      { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
      { key: 2, prompt: LONG, instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
    ]);
    const out = join(dir, "ifeval");
    const r = await runInProcess([
      ...["eval", "ifeval", "--model", model, "--input-data", input, "--output-dir", out],
      ...["--max-new-tokens", "2", "--json"],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${input}:2: prompt of`);
    const metrics = JSON.parse(r.stdout);
    expect(metrics.num_responses).toBe(1);
    expect(metrics.missing_responses).toHaveLength(1);
    expect(metrics.generation.skipped_overlong).toBe(1);
  });
});
