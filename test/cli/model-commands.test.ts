import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { encodeExample, encodePrompt, rowToExample } from "../../src/model/chat-encoding.js";
import { runGenerate } from "../../src/model/generate-rows.js";
import { inspectRow } from "../../src/model/inspect-row.js";
import { runLogprobs } from "../../src/model/logprob-rows.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { referenceGreedy, referenceSequenceLogprob } from "../../src/model/reference-decoder.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const rows = [
  { prompt: "Write a poem about the sea.", response: "The sea is blue and deep." },
  {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the capital of France?" },
      { role: "assistant", content: "Paris." },
    ],
  },
  { prompt: "Hello", response: "Hi" },
];

function dataFile(content: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "iopo-cli-")), "data.jsonl");
  writeFileSync(file, content.map((r) => JSON.stringify(r)).join("\n"));
  return file;
}

describe("iopo logprobs / generate / inspect (reference decoder path)", () => {
  const dir = tinyModelDir({ modelType: "llama", template: "llama3", initStd: 0.5, seed: 3 });
  const m = loadModelFolder(dir);
  const weights = m.checkpoint!.weights;

  it("logprobs: one row per input, in order, equal to the reference log-prob of the template-delimited response", async () => {
    const data = dataFile(rows);
    const output = join(mkdtempSync(join(tmpdir(), "iopo-out-")), "lp.jsonl");
    const cacheDir = mkdtempSync(join(tmpdir(), "iopo-cache-"));
    await buildProgram().parseAsync([
      "node",
      "iopo",
      "logprobs",
      "--model",
      dir,
      "--data",
      data,
      "--output",
      output,
      "--batch-size",
      "2",
      "--cache_dir",
      cacheDir,
      "--reference",
    ]);
    const out = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.length).toBe(3);
    out.forEach((r, i) => {
      const enc = encodeExample(m, rowToExample(rows[i], "d", i + 1, true));
      const ref = referenceSequenceLogprob(m.config, weights, enc.ids, enc.responseStart);
      expect(r.logp_sum).toBeCloseTo(ref.sum, 10);
      expect(r.n_tokens).toBe(enc.ids.length - enc.responseStart);
      expect(r.logp_mean).toBeCloseTo(ref.sum / ref.count, 10);
      expect(r.prompt ?? r.messages).toEqual(
        (rows[i] as Record<string, unknown>).prompt ?? (rows[i] as Record<string, unknown>).messages,
      );
    });
    // "Paris." + <|eot_id|> : the response tokens are the template's assistant turn exactly.
    expect(out[1].n_tokens).toBe(m.tokenizer.encode("Paris.<|eot_id|>").length);
    const logs: string[] = [];
    const again = await runLogprobs({ model: dir, data, cacheDir, reference: true, log: (l) => logs.push(l) });
    expect(logs.join()).toMatch(/3 rows, 3 from cache/);
    expect(again.map((r) => r.logp_sum)).toEqual(out.map((r) => r.logp_sum));
  });

  it("logprobs: bad rows fail with file:line:field before any work", async () => {
    const data = dataFile([rows[0], { prompt: "no response" }]);
    await expect(runLogprobs({ model: dir, data, cacheDir: null, reference: true })).rejects.toThrow(
      /data\.jsonl:2: field "response"/,
    );
  });

  it("generate: greedy output equals step-by-step argmax of the reference decoder; text decodes the ids", async () => {
    const data = dataFile(rows);
    const out = await runGenerate({
      model: dir,
      data,
      max_new_tokens: 6,
      temperature: 0,
      reference: true,
      log: () => {},
    });
    expect(out.length).toBe(3);
    out.forEach((r, i) => {
      const prompt = encodePrompt(m, rowToExample(rows[i], "d", i + 1, false).conversation).ids;
      const expected = referenceGreedy(m.config, weights, prompt, 6, m.eosTokenIds);
      expect(r.token_ids).toEqual(expected);
      expect(r.response).toBe(m.tokenizer.decode(expected, true));
    });
    // Sampling is reproducible for a seed and differs across seeds.
    const s1 = await runGenerate({
      model: dir,
      data,
      max_new_tokens: 6,
      temperature: 1.5,
      seed: 1,
      reference: true,
      log: () => {},
    });
    const s1b = await runGenerate({
      model: dir,
      data,
      max_new_tokens: 6,
      temperature: 1.5,
      seed: 1,
      reference: true,
      log: () => {},
    });
    const s2 = await runGenerate({
      model: dir,
      data,
      max_new_tokens: 6,
      temperature: 1.5,
      seed: 2,
      reference: true,
      log: () => {},
    });
    expect(s1.map((r) => r.token_ids)).toEqual(s1b.map((r) => r.token_ids));
    expect(s1.map((r) => r.token_ids)).not.toEqual(s2.map((r) => r.token_ids));
  });

  it("inspect: shows the boundary, one BOS and one <|eot_id|>", () => {
    const data = dataFile(rows);
    const { report, json } = inspectRow({ model: dir, data, row: 1 });
    expect(report).toContain(
      "<|start_header_id|>assistant<|end_header_id|>\n\n\u2503<<< prompt | response >>>\u2503Paris.<|eot_id|>",
    );
    expect(report).toMatch(/<\|begin_of_text\|> x1/);
    expect(report).toMatch(/<\|eot_id\|> x3/);
    expect(json.response_tokens).toEqual(m.tokenizer.pieces(m.tokenizer.encode("Paris.<|eot_id|>")));
    expect(() => inspectRow({ model: dir, data, row: 7 })).toThrow(/row 7 out of range/);
    const gen = inspectRow({ model: dir, prompt: "Hi" });
    expect(gen.json.response_ids).toEqual([]);
  });
});
