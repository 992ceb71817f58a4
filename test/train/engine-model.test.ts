import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/formats/load.js";
import type { TrainingStep } from "../../src/model/decoder.js";
import type { Weights } from "../../src/model/weights.js";
import { resolveConfig } from "../../src/train/config.js";
import { EngineModel, ReferenceTable } from "../../src/train/engine-model.js";
import {
  computeLoss,
  defaultLossOptions,
  type Example,
  METHOD_SEQUENCES,
  type Method,
} from "../../src/train/losses/index.js";
import type { SequenceEncoder, TokenSequence, TrainRow } from "../../src/train/sequences.js";
import { readF32Tensors, writeF32Tensors } from "../../src/train/tensor-file.js";
import { runTraining } from "../../src/train/trainer.js";
import { bundledDataPath } from "../../src/util/paths.js";

/**
 * A stand-in for the engine's compiled step: log p(seq) = -sum over response tokens t of
 * softplus(e[ids[t]] + 0.5 e[ids[t-1]]) with one trainable vector e; loss via the scalar losses, chain rule here.
 */
const V = 64;
const encode: SequenceEncoder = (prompt, response) => {
  const p = prompt.map((m) => m.content).join("\n");
  const ids = [...`${p}|`, ...response].map((c) => c.charCodeAt(0) % V);
  return { ids: Int32Array.from(ids), responseStart: p.length + 1 };
};
const softplus = (x: number) => Math.log1p(Math.exp(x));
const sigm = (x: number) => 1 / (1 + Math.exp(-x));
function seqLogp(e: Float32Array, s: TokenSequence, grad?: Float64Array, scale = 0): number {
  // the prompt enters through the mean of its token embeddings, so (x1, y) and (x2, y) differ
  const rs = Math.max(s.responseStart, 1);
  let mp = 0;
  for (let u = 0; u < rs; u++) mp += e[s.ids[u]] / rs;
  let lp = 0;
  for (let t = rs; t < s.ids.length; t++) {
    const z = e[s.ids[t]] + 0.5 * e[s.ids[t - 1]] + 0.3 * mp;
    lp -= softplus(z);
    if (grad) {
      const c = scale * sigm(z);
      grad[s.ids[t]] -= c;
      grad[s.ids[t - 1]] -= 0.5 * c;
      for (let u = 0; u < rs; u++) grad[s.ids[u]] -= (0.3 * c) / rs;
    }
  }
  return lp;
}
function fakeStep(method: Method, lossOpts = defaultLossOptions, lossOffset = 0): Pick<TrainingStep, "run"> {
  return {
    async run(weights, batch) {
      const e = weights.get("e")!.data;
      const seqs = batch.ids.map((ids, i) => ({ ids, responseStart: batch.responseStart[i] }));
      const names = METHOD_SEQUENCES[method];
      const sum = Float64Array.from(seqs, (s) => seqLogp(e, s));
      const count = Int32Array.from(seqs, (s) => s.ids.length - Math.max(s.responseStart, 1));
      const examples: Example[] = [];
      for (let r = 0; r < seqs.length / names.length; r++) {
        const ex: Example = {};
        names.forEach((n, j) => {
          const i = r * names.length + j;
          ex[n] = { policy: sum[i], reference: batch.refLogp?.[i], tokens: count[i] };
        });
        examples.push(ex);
      }
      const opts =
        method === "sft" ? { ...lossOpts, tokenNormalizer: batch.extra!.token_normalizer.data[0] } : lossOpts;
      const out = computeLoss(method, examples, opts);
      const g = new Float64Array(V);
      out.grad.forEach((eg, r) => {
        names.forEach((n, j) => {
          seqLogp(e, seqs[r * names.length + j], g, eg[n]!);
        });
      });
      const grads = new Map([["e", Float32Array.from(g)]]);
      return { loss: out.loss + lossOffset, logpSum: sum, count, logitsSum: new Float64Array(seqs.length), grads };
    },
  };
}

const OFFICIAL = bundledDataPath("trace", "iopo_example.json");
const groups = loadDataset(OFFICIAL).dataset.rows as TrainRow[];
const makeWeights = (): Weights =>
  new Map([["e", { shape: [V], data: Float32Array.from({ length: V }, (_, i) => Math.sin(i) * 0.3) }]]);

async function model(method: Method, weights = makeWeights(), lossOffset = 0) {
  const table = new ReferenceTable();
  const ref0 = makeWeights().get("e")!.data;
  const m = new EngineModel({
    weights,
    trainable: ["e"],
    trainingStep: async (meth, opts) => fakeStep(meth, opts, lossOffset),
    evalLogprobs: async (w, seqs) => ({
      sum: Float64Array.from(seqs, (s) => seqLogp(w.get("e")!.data, s)),
      count: Int32Array.from(seqs, (s) => s.ids.length - Math.max(s.responseStart, 1)),
    }),
    reference: table.lookup,
    encode,
    maxLength: 4096,
    save: (dir, w) => writeF32Tensors(join(dir, "model.safetensors"), w),
    load: (dir) => readF32Tensors(join(dir, "model.safetensors")),
  });
  // precompute reference log-probs for every sequence of the data (frozen initial weights)
  const rows =
    method === "iopo"
      ? groups
      : method === "dpo"
        ? loadDataset(OFFICIAL).dataset.rows.flatMap((g) => {
            const x = g as { x1: { messages: never[] }; y1: string; x2: { messages: never[] }; y2: string };
            return [
              { prompt: x.x1.messages, chosen: x.y1, rejected: x.y2 },
              { prompt: x.x2.messages, chosen: x.y2, rejected: x.y1 },
            ];
          })
        : [];
  const { rowSequences } = await import("../../src/train/sequences.js");
  await table.fill(
    rows.flatMap((r) => rowSequences(r as TrainRow, method, encode, 4096)),
    async (seqs) => Float64Array.from(seqs, (s) => seqLogp(ref0, s)),
  );
  return { m, rows: rows as TrainRow[], table };
}

describe("EngineModel (engine step adapter) on the official IOPO example", () => {
  it("gradient w.r.t. the weights == central finite differences of the adapter's loss", async () => {
    const weights = makeWeights();
    const { m, rows } = await model("iopo", weights);
    // move away from the reference so the loss is not at its symmetric point
    const e = weights.get("e")!.data;
    for (let i = 0; i < V; i++) e[i] += Math.cos(3 * i) * 0.2;
    const grads = new Map([["e", new Float32Array(V)]]);
    const opts = { ...defaultLossOptions, beta: 0.5 };
    const r = await m.trainStep(rows, "iopo", opts, grads, 1);
    expect(r.metrics).toHaveProperty(["rewards/margins_v1"]);
    const lossAt = async () => (await m.evalStep(rows, "iopo", opts)).loss;
    for (const i of [
      ...new Set(rows.length ? [...Array(V).keys()].filter((k) => grads.get("e")![k] !== 0).slice(0, 6) : []),
    ]) {
      const h = 1e-3;
      const old = e[i];
      e[i] = old + h;
      const up = await lossAt();
      e[i] = old - h;
      const down = await lossAt();
      e[i] = old;
      expect(grads.get("e")![i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
  });
  it("metrics of the official group use (x1,y1),(x1,y2),(x2,y2),(x2,y1) and start at zero reward", async () => {
    const { m, rows } = await model("iopo");
    const r = await m.evalStep(rows, "iopo", defaultLossOptions);
    expect(r.loss).toBeCloseTo(Math.LN2, 6); // policy == reference
    expect(r.metrics["rewards/chosen_v1"]).toBeCloseTo(0, 6);
    const seqs = (await import("../../src/train/sequences.js")).rowSequences(rows[0], "iopo", encode, 4096);
    expect(r.metrics["logps/chosen_v2"]).toBeCloseTo(seqLogp(makeWeights().get("e")!.data, seqs[2]), 6);
  });
  it("a loss that disagrees with the scalar loss is reported", async () => {
    const { m, rows } = await model("iopo", makeWeights(), 0.5);
    await expect(
      m.trainStep(rows, "iopo", defaultLossOptions, new Map([["e", new Float32Array(V)]]), 1),
    ).rejects.toThrow(/disagrees/);
  });
  it("trains IOPO and DPO end to end through the trainer (log, checkpoints, final model)", async () => {
    for (const method of ["iopo", "dpo"] as Method[]) {
      const { m, rows } = await model(method);
      const out = join(mkdtempSync(join(tmpdir(), "iopo-engine-model-")), method);
      const cfg = resolveConfig([
        {
          source: "test",
          lines: {},
          values: {
            model_name_or_path: "x",
            dataset: "x",
            output_dir: out,
            method,
            learning_rate: 0.002,
            lr_scheduler_type: "constant",
            max_steps: 6,
            gradient_accumulation_steps: 1,
            per_device_train_batch_size: method === "dpo" ? 2 : 1, // DPO: both DPO* pairs of the group per step
            logging_steps: 1,
            save_steps: 3,
            beta: 0.5,
          },
        },
      ]);
      const result = await runTraining({ config: cfg, model: m, train: rows });
      expect(result.finished).toBe(true);
      const eval0 = await m.evalStep(rows, method, { ...defaultLossOptions, beta: 0.5 });
      const log = readFileSync(join(out, "trainer_log.jsonl"), "utf8").trim().split("\n");
      expect(log).toHaveLength(6);
      expect(eval0.loss).toBeLessThan(Math.LN2); // it learned the preference
    }
  });
  it("the reference table refuses unknown sequences", async () => {
    const t = new ReferenceTable();
    await t.fill([{ ids: Int32Array.of(1, 2), responseStart: 1 }], async () => Float64Array.of(-1));
    expect(await t.lookup([{ ids: Int32Array.of(1, 2), responseStart: 1 }])).toEqual(Float64Array.of(-1));
    await expect(t.lookup([{ ids: Int32Array.of(1, 3), responseStart: 1 }])).rejects.toThrow(/missing/);
  });
});
