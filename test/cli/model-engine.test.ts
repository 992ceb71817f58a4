import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeExample, encodePrompt, rowToExample } from "../../src/model/chat-encoding.js";
import { runGenerate } from "../../src/model/generate-rows.js";
import { runLogprobs } from "../../src/model/logprob-rows.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { referenceGreedy, referenceSequenceLogprob } from "../../src/model/reference-decoder.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

/**
 * End to end through the ONNX Runtime engine (the default path), checked against the float64 reference decoder.
 *
 * PENDING: rename to `model-engine.test.ts` once src/model/decoder.ts (branch `engine`) is on main. It passed
 * (2/2) in trial merges of this branch with engine at 84ad558 and 6e5156c; it is not collected until then because
 * the default path cannot run without the engine.
 */
const rows = [
  { prompt: "Write a poem about the sea.", response: "The sea is blue and deep, and the river is long." },
  {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the capital of France?" },
      { role: "assistant", content: "Paris." },
      { role: "user", content: "And of Italy?" },
      { role: "assistant", content: "Rome." },
    ],
  },
  { prompt: "Hello", response: "Hi" },
  { prompt: "List two reasons why the sky is blue.", response: "Light scattering; the atmosphere." },
  { prompt: "Hello", response: "Hello! How are you today?" },
];

function dataFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "iopo-eng-")), "data.jsonl");
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  return file;
}

const variants = [
  {
    name: "qwen2 (tied, q/k/v bias, default system prompt)",
    options: { modelType: "qwen2" as const, initStd: 0.3, seed: 11 },
  },
  {
    name: "llama (untied, Llama-3 template with BOS, bf16 checkpoint)",
    options: {
      modelType: "llama" as const,
      template: "llama3" as const,
      tieWordEmbeddings: false,
      initStd: 0.3,
      seed: 12,
      dtype: "BF16" as const,
    },
  },
];

describe("model commands on the ONNX engine vs the reference decoder", () => {
  for (const v of variants) {
    it(`${v.name}: logprobs within 1e-4, cache hit on rerun; greedy generate == reference argmax`, async () => {
      const dir = tinyModelDir(v.options);
      const m = loadModelFolder(dir);
      const weights = m.checkpoint!.weights;
      const data = dataFile();
      const cacheDir = mkdtempSync(join(tmpdir(), "iopo-eng-cache-"));
      const logs: string[] = [];
      const out = await runLogprobs({ model: dir, data, cacheDir, batchSize: 2, log: (l) => logs.push(l) });
      expect(out.length).toBe(rows.length);
      out.forEach((r, i) => {
        const enc = encodeExample(m, rowToExample(rows[i], data, i + 1, true));
        const ref = referenceSequenceLogprob(m.config, weights, enc.ids, enc.responseStart);
        expect(r.n_tokens).toBe(ref.count);
        expect(Math.abs(r.logp_sum - ref.sum)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.sum)));
        expect(r.logp_mean).toBeCloseTo(r.logp_sum / r.n_tokens, 12);
      });
      expect(logs.join("\n")).toMatch(/5 rows, 0 from cache/);
      const again = await runLogprobs({ model: dir, data, cacheDir, batchSize: 3, log: (l) => logs.push(l) });
      expect(logs.join("\n")).toMatch(/5 rows, 5 from cache/);
      expect(again.map((r) => r.logp_sum)).toEqual(out.map((r) => r.logp_sum));

      const gen = await runGenerate({
        model: dir,
        data,
        max_new_tokens: 8,
        temperature: 0,
        batch_size: 3,
        log: () => {},
      });
      let produced = 0;
      gen.forEach((r, i) => {
        const prompt = encodePrompt(m, rowToExample(rows[i], data, i + 1, false).conversation).ids;
        const expected = referenceGreedy(m.config, weights, prompt, 8, m.eosTokenIds);
        expect(r.token_ids).toEqual(expected);
        produced += expected.length;
      });
      expect(produced).toBeGreaterThan(0);
    }, 120_000);
  }
});
