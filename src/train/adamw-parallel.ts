import { Worker } from "node:worker_threads";
import {
  type AdamWOptions,
  type AdamWParamState,
  adamwKernelBytes,
  adamwKernelChunk,
  adamwKernelScalars,
  runAdamwKernel,
} from "./adamw-simd.js";

/**
 * AdamW over worker threads: the SIMD kernel of adamw-simd.ts run on disjoint slices of every tensor, in parallel.
 * Tensors live in SharedArrayBuffers (state is allocated there; parameters and gradients are copied in and out
 * when they are not), so workers update them in place. Results are bit-identical to the single-thread update,
 * since every element sees the same float operations.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const inst = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes));
const kernel = { adamw: inst.exports.adamw, mem: new Float32Array(inst.exports.memory.buffer), chunk: workerData.chunk };
const runAdamwKernel = ${runAdamwKernel.toString()};
parentPort.on("message", (msg) => {
  for (const t of msg.tasks) {
    const view = (b) => new Float32Array(b, t.start * 4, t.end - t.start);
    runAdamwKernel(kernel, view(t.param), view(t.grad), view(t.m), view(t.v), msg.scalars);
  }
  parentPort.postMessage(msg.id);
});
`;

interface Slice {
  param: SharedArrayBuffer;
  grad: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  start: number;
  end: number;
}

function shared(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

export class AdamWWorkerPool {
  private workers: Worker[];
  private nextId = 0;
  /** Shared scratch copies of tensors that are not themselves in shared memory (allocated once per tensor). */
  private scratch = new WeakMap<Float32Array, Float32Array>();

  constructor(readonly threads: number) {
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { bytes: adamwKernelBytes, chunk: adamwKernelChunk },
      });
      w.unref();
      return w;
    });
  }

  /** Update every tensor: params/grads may be any Float32Array; state must come from `sharedState`. */
  async update(
    tensors: readonly { param: Float32Array; grad: Float32Array; state: AdamWParamState }[],
    step: number,
    options: AdamWOptions,
  ): Promise<void> {
    const perWorker: Slice[][] = this.workers.map(() => []);
    const copies: { from: Float32Array; to: Float32Array }[] = [];
    for (const t of tensors) {
      const p = this.sharedView(t.param);
      const g = this.sharedView(t.grad);
      if (p !== t.param) copies.push({ from: p, to: t.param });
      const n = t.param.length;
      const chunk = Math.ceil(n / this.threads);
      for (let w = 0; w < this.threads; w++) {
        const start = w * chunk;
        const end = Math.min(n, start + chunk);
        if (start >= end) continue;
        perWorker[w].push({
          param: p.buffer as SharedArrayBuffer,
          grad: g.buffer as SharedArrayBuffer,
          m: t.state.expAvg.buffer as SharedArrayBuffer,
          v: t.state.expAvgSq.buffer as SharedArrayBuffer,
          start,
          end,
        });
      }
    }
    await Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            if (perWorker[i].length === 0) return resolve();
            const id = this.nextId++;
            const onMessage = (m: number) => {
              if (m !== id) return;
              w.off("message", onMessage);
              w.off("error", reject);
              resolve();
            };
            w.on("message", onMessage);
            w.once("error", reject);
            w.postMessage({ id, tasks: perWorker[i], scalars: adamwKernelScalars(step, options) });
          }),
      ),
    );
    for (const c of copies) c.to.set(c.from);
  }

  /** The array itself when it is a whole SharedArrayBuffer, else its (reused) shared copy, filled now. */
  private sharedView(a: Float32Array): Float32Array {
    if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a;
    let s = this.scratch.get(a);
    if (!s) this.scratch.set(a, (s = shared(a.length)));
    s.set(a);
    return s;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Fresh zero AdamW state in shared memory. */
export function sharedState(length: number): AdamWParamState {
  return { expAvg: shared(length), expAvgSq: shared(length) };
}
