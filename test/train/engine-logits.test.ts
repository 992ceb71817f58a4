import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../src/engine/session.js";
import { createLogprobRunner, createTrainingStep } from "../../src/model/decoder.js";
import { referenceLogits } from "../../src/model/reference-decoder.js";
import type { Weights } from "../../src/model/weights.js";
import { EngineModel, ReferenceTable } from "../../src/train/engine-model.js";
import { buildGraphLoss } from "../../src/train/graph-losses.js";
import { defaultLossOptions, METHOD_SEQUENCES, type Method } from "../../src/train/losses/index.js";
import { rowSequences, type SequenceEncoder, type TokenSequence, type TrainRow } from "../../src/train/sequences.js";
import { randomWeights, tinyConfig } from "../model/decoder-fixtures.js";

afterAll(releaseSessions);

/**
 * TRL's `logits/chosen` / `logits/rejected` through the real engine: the mean raw LM-head logit over every response
 * position and vocabulary entry of the batch's chosen (resp. rejected) sequences, checked against the float64
 * reference decoder on hand-assembled rows of different lengths (so the packed batch is padded).
 */
const cfg = tinyConfig("llama", false);
const V = cfg.vocab_size;
const weights: Weights = randomWeights(cfg, 21);
const encode: SequenceEncoder = (prompt, response) => {
  const p = prompt.map((m) => m.content).join("\n");
  const ids = [...`${p}|`, ...response].map((c) => c.charCodeAt(0) % V);
  return { ids: Int32Array.from(ids), responseStart: p.length + 1 };
};
const user = (content: string) => [{ role: "user" as const, content }];

const pairs: TrainRow[] = [
  { prompt: user("name three fruits"), chosen: "apple, pear, fig", rejected: "no" },
  { prompt: user("hi"), chosen: "hello there!", rejected: "go away, please do" },
];
const groups = [
  { x1: { messages: user("list two colours") }, y1: "red, blue", x2: { messages: user("one colour") }, y2: "green" },
  { x1: { messages: user("a") }, y1: "short", x2: { messages: user("a longer prompt") }, y2: "a much longer reply" },
] as unknown as TrainRow[];

/** Sum of logits over response positions x vocab, and response token count, of one sequence (float64). */
function referenceStats(s: TokenSequence): { sum: number; tokens: number } {
  const logits = referenceLogits(cfg, weights, s.ids);
  let sum = 0;
  for (let t = Math.max(s.responseStart, 1); t < s.ids.length; t++) for (const v of logits[t - 1]!) sum += v;
  return { sum, tokens: s.ids.length - Math.max(s.responseStart, 1) };
}

/** Expected metric per sequence name: sum over the batch's sequences of that name / (tokens x vocab). */
function expected(rows: TrainRow[], method: Method): Record<string, number> {
  const names = METHOD_SEQUENCES[method];
  const acc = new Map<string, { sum: number; n: number }>();
  for (const row of rows) {
    rowSequences(row, method, encode, 4096).forEach((s, j) => {
      const st = referenceStats(s);
      const a = acc.get(names[j]!) ?? { sum: 0, n: 0 };
      acc.set(names[j]!, { sum: a.sum + st.sum, n: a.n + st.tokens * V });
    });
  }
  return Object.fromEntries([...acc].map(([k, a]) => [k, a.sum / a.n]));
}

async function engineModel(rows: TrainRow[], method: Method) {
  const runner = await createLogprobRunner(cfg, { threads: 2 });
  const table = new ReferenceTable();
  await table.fill(
    rows.flatMap((r) => rowSequences(r, method, encode, 4096)),
    async (seqs) =>
      (
        await runner.sequenceLogprobs(weights, {
          ids: seqs.map((s) => s.ids),
          responseStart: seqs.map((s) => s.responseStart),
        })
      ).sum,
  );
  return new EngineModel({
    weights,
    trainable: [...weights.keys()].filter((n) => n.includes("layers.1.")),
    trainingStep: (m, loss) =>
      createTrainingStep(cfg, {
        trainable: (n) => n.includes("layers.1."),
        loss: (g, ctx) => buildGraphLoss(g, ctx, m, loss),
        threads: 2,
      }),
    evalLogprobs: (w, seqs) =>
      runner.sequenceLogprobs(w, { ids: seqs.map((s) => s.ids), responseStart: seqs.map((s) => s.responseStart) }),
    reference: table.lookup,
    vocabSize: V,
    encode,
    maxLength: 4096,
    save: () => {},
    load: () => weights,
  });
}

describe("logits/* metrics (TRL names) from the engine", () => {
  it.each([
    ["dpo", pairs],
    ["iopo", groups],
  ] as const)("%s: train and eval metrics equal the float64 reference mean logit", async (method, rows) => {
    const m = await engineModel([...rows], method);
    const want = expected([...rows], method);
    const grads = new Map([...m.params].map(([n, p]) => [n, new Float32Array(p.length)]));
    const train = await m.trainStep(rows, method, defaultLossOptions, grads, 1);
    const evalr = await m.evalStep(rows, method, defaultLossOptions);
    // TRL's names (logits/chosen, logits/rejected); IOPO's official _v1/_v2 pairs, as for logps/*.
    const metricName = (seq: string) => `logits/${seq}`;
    expect(Object.keys(want).length).toBe(method === "dpo" ? 2 : 4);
    for (const [seq, value] of Object.entries(want)) {
      const name = metricName(seq);
      for (const metrics of [train.metrics, evalr.metrics]) {
        expect(metrics[name], name).toBeDefined();
        expect(Math.abs(metrics[name]! - value), name).toBeLessThan(1e-5 * Math.max(1, Math.abs(value)));
      }
    }
    // The token weighting matters here: a plain mean of per-sequence means would differ (different lengths).
    const perSeqMean = rows.map((r) => {
      const s = rowSequences(r, method, encode, 4096)[0]!;
      const st = referenceStats(s);
      return st.sum / (st.tokens * V);
    });
    const naive = perSeqMean.reduce((a, b) => a + b, 0) / perSeqMean.length;
    const first = metricName(METHOD_SEQUENCES[method][0]!);
    expect(Math.abs(naive - train.metrics[first]!)).toBeGreaterThan(1e-4 * Math.abs(naive));
  });
});
