/**
 * AdamW throughput on one tensor: the WebAssembly SIMD kernel (`adamwUpdate`), the op-by-op reference that
 * rounds after every tensor op like torch executes it (`adamwUpdateReference`), and the worker-thread pool
 * (2 threads, shared memory; parameters/gradients copied in and out as the trainer does).
 *   npx tsx bench/train-adamw.ts          (N=8000000 by default)
 */

import { adamwUpdate, adamwUpdateReference } from "../src/train/adamw.js";
import { AdamWWorkerPool, sharedState } from "../src/train/adamw-parallel.js";

const n = Number(process.env.N ?? 8_000_000);
const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-3);
const state = () => ({ expAvg: new Float32Array(n), expAvgSq: new Float32Array(n) });
const o = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

async function time(label: string, fn: (step: number) => unknown, steps: number): Promise<number> {
  await fn(1); // warm up the JIT
  const t0 = performance.now();
  for (let s = 2; s < steps + 2; s++) await fn(s);
  const ms = (performance.now() - t0) / steps;
  console.log(`${label.padEnd(34)} ${ms.toFixed(1)} ms/step  ${((n / ms) * 1e-3).toFixed(1)} Mparam/s`);
  return ms;
}

const sf = state();
const sr = state();
const ss = sharedState(n);
const pool = new AdamWWorkerPool(2);
const fast = await time("adamwUpdate (SIMD kernel)", (s) => adamwUpdate(p, g, sf, s, o), 10);
const ref = await time("adamwUpdateReference (op by op)", (s) => adamwUpdateReference(p, g, sr, s, o), 3);
const par = await time("AdamWWorkerPool (2 threads)", (s) => pool.update([{ param: p, grad: g, state: ss }], s, o), 10);
await pool.close();
console.log(
  `SIMD / reference: ${(ref / fast).toFixed(2)}x;  2 threads / SIMD: ${(fast / par).toFixed(2)}x  (${n} params)`,
);
