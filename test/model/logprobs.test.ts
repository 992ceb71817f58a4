import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LogprobCache } from "../../src/model/logprob-cache.js";
import { computeSequenceLogprobs, lengthBuckets, type SequenceLogprobRunner } from "../../src/model/logprobs.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { referenceSequenceLogprob } from "../../src/model/reference-decoder.js";
import { referenceLogprobRunner } from "../../src/model/reference-runner.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

function counting(inner: SequenceLogprobRunner) {
  const calls: number[][] = [];
  return {
    calls,
    runner: {
      async sequenceLogprobs(w, batch) {
        calls.push(batch.ids.map((x) => x.length));
        return inner.sequenceLogprobs(w, batch);
      },
    } satisfies SequenceLogprobRunner,
  };
}

describe("length-bucketed batching", () => {
  it("sorts by length, respects batch size and token budget, covers every index once", () => {
    const lengths = [5, 30, 7, 6, 29, 31, 8];
    const b = lengthBuckets(lengths, 3);
    expect(b).toEqual([[0, 3, 2], [6, 4, 1], [5]]);
    const budget = lengthBuckets(lengths, 10, 60);
    for (const batch of budget)
      expect(batch.length * Math.max(...batch.map((i) => lengths[i]))).toBeLessThanOrEqual(60);
    expect(budget.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("sequence log-probs with cache", () => {
  const m = loadModelFolder(tinyModelDir({ template: "chatml" }));
  const weights = m.checkpoint!.weights;
  const examples = [
    { ids: Int32Array.from([1, 2, 3, 4, 5]), responseStart: 3 },
    { ids: Int32Array.from([7, 8, 9]), responseStart: 1 },
    { ids: Int32Array.from([10, 11, 12, 13, 14, 15, 16, 17]), responseStart: 6 },
    { ids: Int32Array.from([20, 21]), responseStart: 1 },
  ];

  it("returns input order, batches by length, hits the cache on rerun and resumes a partial journal", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "iopo-lpc-"));
    const { calls, runner } = counting(referenceLogprobRunner(m.config));
    const first = await computeSequenceLogprobs(runner, m.config, weights, examples, { batchSize: 2, cacheDir });
    expect(calls).toEqual([
      [2, 3],
      [5, 8],
    ]);
    examples.forEach((ex, i) => {
      const ref = referenceSequenceLogprob(m.config, weights, ex.ids, ex.responseStart);
      expect(first.sum[i]).toBe(ref.sum);
      expect(first.count[i]).toBe(ref.count);
    });
    expect(first.cached).toBe(0);
    const again = await computeSequenceLogprobs(runner, m.config, weights, examples, { batchSize: 2, cacheDir });
    expect(calls.length).toBe(2);
    expect(again.cached).toBe(4);
    expect(Array.from(again.sum)).toEqual(Array.from(first.sum));
    // Changing one weight changes the key.
    const changed = new Map(weights);
    const norm = weights.get("model.norm.weight")!;
    changed.set("model.norm.weight", { shape: norm.shape, data: norm.data.map((x) => x * 1.01) });
    const other = await computeSequenceLogprobs(runner, m.config, changed, examples, { batchSize: 2, cacheDir });
    expect(other.cached).toBe(0);
    expect(calls.length).toBe(4);
    // Simulate a crash after the first batch: keep header + 2 entries + a torn line.
    const file = first.cacheFile!;
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, `${lines.slice(0, 3).join("\n")}\n{"i":2,"su`);
    const resumed = await computeSequenceLogprobs(runner, m.config, weights, examples, { batchSize: 2, cacheDir });
    expect(resumed.cached).toBe(2);
    expect(calls.length).toBe(5);
    expect(Array.from(resumed.sum)).toEqual(Array.from(first.sum));
    const complete = await computeSequenceLogprobs(runner, m.config, weights, examples, { batchSize: 2, cacheDir });
    expect(complete.cached).toBe(4);
    expect(readdirSync(cacheDir).length).toBe(2);
  });

  it("ignores a journal whose header belongs to another key", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-lpc-"));
    const a = new LogprobCache(dir, "d1", "m1", 2);
    a.append([{ i: 0, sum: -1, count: 1 }]);
    a.close();
    expect(a.load().size).toBe(1);
    const b = new LogprobCache(dir, "d1", "m1", 2);
    writeFileSync(b.file, '{"data_hash":"other","model_hash":"m1"}\n{"i":0,"sum":-5,"count":1}\n');
    expect(b.load().size).toBe(0);
  });
});
