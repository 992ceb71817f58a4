import { afterAll, describe, expect, it } from "vitest";
import { gradients } from "../../src/engine/autodiff.js";
import { Graph } from "../../src/engine/graph.js";
import { CompiledGraph, f32, i64, releaseSessions } from "../../src/engine/session.js";
import { rng } from "./harness.js";

afterAll(releaseSessions);

/**
 * Reproducibility at threads > 1. ORT's CPU ScatterND splits its updates over the intra-op threads with nothing
 * guarding repeated indices, so an embedding gradient built as a ScatterND-add lost updates at random at 2 threads
 * (microsoft/onnxruntime#18048). The Gather VJP must be exact and identical run to run at the default thread count.
 */
describe("Gather gradient with repeated ids at 2 threads", () => {
  it("is the exact scatter-sum of the cotangent rows, bit-identical over runs", async () => {
    // An embedding-shaped case: 64 rows, 16 x 2000 ids (each row hit ~500 times), width 96.
    const V = 64;
    const D = 96;
    const [B, S] = [16, 2000];
    const g = new Graph("gather-vjp");
    const table = g.input("table", "float32", [V, D]);
    const ids = g.input("ids", "int64", ["B", "S"]);
    const gy = g.input("gy", "float32", ["B", "S", D]);
    const y = g.gather(table, ids, 0);
    const [grad] = gradients(g, y, [table], gy);
    g.output("grad", grad!);
    const compiled = await CompiledGraph.create(g, { threads: 2 });

    const r = rng(11);
    const idData = Array.from({ length: B * S }, () => Math.floor(r() * V));
    const gyData = Float32Array.from({ length: B * S * D }, () => r() - 0.5);
    const exact = new Float64Array(V * D);
    idData.forEach((id, n) => {
      for (let j = 0; j < D; j++) exact[id * D + j]! += gyData[n * D + j]!;
    });
    const feeds = {
      table: f32(new Float32Array(V * D), [V, D]),
      ids: i64(idData, [B, S]),
      gy: f32(gyData, [B, S, D]),
    };
    const runs: Float32Array[] = [];
    for (let k = 0; k < 10; k++) runs.push((await compiled.run(feeds)).grad!.data as Float32Array);
    // float32 accumulation of ~500 terms of size <= 0.5: ~1e-5; one lost update is an error of up to 0.5
    for (const run of runs) {
      let err = 0;
      for (let i = 0; i < exact.length; i++) err = Math.max(err, Math.abs(run[i]! - exact[i]!));
      expect(err).toBeLessThan(1e-3);
    }
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const run of runs.slice(1)) expect(bytes(run).equals(bytes(runs[0]!))).toBe(true);
  });
});
