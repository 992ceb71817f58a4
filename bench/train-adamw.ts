/**
 * AdamW throughput: the tight Float32Array loop (`adamwUpdate`) vs the op-by-op reference that rounds after every
 * tensor op like torch executes it (`adamwUpdateReference`), on one 8M-parameter tensor.
 *   npx tsx bench/train-adamw.ts
 */
import { adamwUpdate, adamwUpdateReference } from "../src/train/adamw.js";

const n = Number(process.env.N ?? 8_000_000);
const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-3);
const state = () => ({ expAvg: new Float32Array(n), expAvgSq: new Float32Array(n) });
const o = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

function time(label: string, fn: (step: number) => void, steps: number): number {
  fn(1); // warm up the JIT
  const t0 = performance.now();
  for (let s = 2; s < steps + 2; s++) fn(s);
  const ms = (performance.now() - t0) / steps;
  console.log(`${label.padEnd(28)} ${ms.toFixed(1)} ms/step  ${((n / ms) * 1e-3).toFixed(1)} Mparam/s`);
  return ms;
}

const sf = state();
const sr = state();
const fast = time("adamwUpdate (fast loop)", (s) => adamwUpdate(p, g, sf, s, o), 10);
const ref = time("adamwUpdateReference", (s) => adamwUpdateReference(p, g, sr, s, o), 3);
console.log(`speed-up fast/reference: ${(ref / fast).toFixed(2)}x  (${n} params)`);
