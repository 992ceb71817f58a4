/**
 * AdamW's update as a WebAssembly SIMD kernel (4 float32 lanes), the optimizer's fast path. The JavaScript loop
 * (`adamwUpdate`) is bound by its scalar float64 division and square root; this kernel does torch's float32
 * operations four at a time. Tensors stream through a small buffer in the module's memory chunk by chunk (the
 * buffer stays in cache, so the copies cost little next to the main-memory traffic of the update itself).
 *
 * Operation order is torch's single-tensor AdamW in float32, scalars rounded to float32 as torch's CPU kernels do:
 *   p <- p * (1 - lr wd);  m <- m + (1 - b1) (g - m);  v <- v b2 + (1 - b2) (g g)
 *   p <- p - (lr / bc1) * (m / (sqrt(v) / sqrt(bc2) + eps))
 * The tests hold it to the op-by-op reference (`adamwUpdateReference`) and to PyTorch's trajectories.
 */
import { F32, I32, op, V128, wasmModule } from "../util/wasm-module.js";

/** AdamW's hyperparameters (torch.optim.AdamW's lr, betas, eps, weight_decay). */
export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** torch's per-parameter AdamW state (exp_avg, exp_avg_sq), float32 like the parameter. */
export interface AdamWParamState {
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

/** Elements per chunk: four float32 regions of this size (512 KiB in all) stay resident in L2. */
const CHUNK = 32768;
const REGION = CHUNK * 4;
const [P, G, M, V] = [0, REGION, 2 * REGION, 3 * REGION];

/** kernel(bytes, decay, w1, b2, w2, stepSize, bc2Sqrt, eps) over regions P, G, M, V; bytes a multiple of 16. */
function kernelModule(): Uint8Array {
  // parameters 0..7; locals: 8 = byte index, 9..15 = splatted scalars, 16..19 = g, m, v, p lanes
  const [BYTES, I] = [0, 8];
  const [DECAY, W1, B2, W2, STEP, BC2, EPS] = [9, 10, 11, 12, 13, 14, 15];
  const [g, m, v] = [16, 17, 18];
  const splats = [1, 2, 3, 4, 5, 6, 7].flatMap((param, k) => [
    ...op.localGet(param),
    ...op.f32x4Splat,
    ...op.localSet(9 + k),
  ]);
  const body = [
    splats,
    op.block,
    op.loop,
    [...op.localGet(I), ...op.localGet(BYTES), ...op.i32GeU, ...op.brIf(1)],
    [...op.localGet(I), ...op.v128Load(G), ...op.localSet(g)],
    // m <- m + w1 (g - m)
    [...op.localGet(I), ...op.v128Load(M), ...op.localSet(m), ...op.localGet(I)],
    [...op.localGet(m), ...op.localGet(W1), ...op.localGet(g), ...op.localGet(m), ...op.f32x4Sub, ...op.f32x4Mul],
    [...op.f32x4Add, ...op.localTee(m), ...op.v128Store(M)],
    // v <- v b2 + w2 (g g)
    [...op.localGet(I), ...op.localGet(I), ...op.v128Load(V), ...op.localGet(B2), ...op.f32x4Mul],
    [...op.localGet(W2), ...op.localGet(g), ...op.localGet(g), ...op.f32x4Mul, ...op.f32x4Mul, ...op.f32x4Add],
    [...op.localTee(v), ...op.v128Store(V)],
    // p <- p decay - step (m / (sqrt(v) / bc2Sqrt + eps))
    [...op.localGet(I), ...op.localGet(I), ...op.v128Load(P), ...op.localGet(DECAY), ...op.f32x4Mul],
    [...op.localGet(STEP), ...op.localGet(m), ...op.localGet(v), ...op.f32x4Sqrt, ...op.localGet(BC2), ...op.f32x4Div],
    [...op.localGet(EPS), ...op.f32x4Add, ...op.f32x4Div, ...op.f32x4Mul, ...op.f32x4Sub, ...op.v128Store(P)],
    [...op.localGet(I), ...op.i32Const(16), ...op.i32Add, ...op.localSet(I), ...op.br(0)],
    op.end,
    op.end,
  ];
  return wasmModule((4 * REGION) / 65536, [
    {
      name: "adamw",
      params: [I32, F32, F32, F32, F32, F32, F32, F32],
      locals: [I32, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128],
      body,
    },
  ]);
}

export interface AdamwKernel {
  adamw: (bytes: number, ...scalars: number[]) => void;
  mem: Float32Array;
  /** elements per chunk: the kernel's four regions start at 0, chunk, 2 chunk and 3 chunk floats */
  chunk: number;
}

/** Elements per chunk of `runAdamwKernel` for a kernel instantiated from `adamwKernelBytes`. */
export const adamwKernelChunk = CHUNK;

/** The compiled kernel module (a few hundred bytes), shared with worker threads. */
export const adamwKernelBytes: Uint8Array = kernelModule();

/** Instantiate the kernel (one instance, with its own chunk buffer, per thread). */
export function instantiateAdamwKernel(): AdamwKernel {
  const bytes = adamwKernelBytes;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = inst.exports.memory as WebAssembly.Memory;
  return { adamw: inst.exports.adamw as AdamwKernel["adamw"], mem: new Float32Array(memory.buffer), chunk: CHUNK };
}

/** The kernel's scalar arguments for optimizer step `step` (1-based), in float64; the kernel rounds them to float32. */
export function adamwKernelScalars(step: number, o: AdamWOptions): number[] {
  return [
    1 - o.lr * o.weightDecay,
    1 - o.beta1,
    o.beta2,
    1 - o.beta2,
    o.lr / (1 - o.beta1 ** step),
    Math.sqrt(1 - o.beta2 ** step),
    o.eps,
  ];
}

/**
 * Stream one tensor through the kernel chunk by chunk. Self-contained (no outer references), because worker
 * threads run its source text.
 */
export function runAdamwKernel(
  kernel: AdamwKernel,
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  scalars: number[],
): void {
  const mem = kernel.mem;
  const chunk = kernel.chunk;
  const [p4, g4, m4, v4] = [0, chunk, 2 * chunk, 3 * chunk];
  const n = param.length;
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const len = e - s;
    const padded = (len + 3) & ~3;
    mem.set(param.subarray(s, e), p4);
    mem.set(grad.subarray(s, e), g4);
    mem.set(m.subarray(s, e), m4);
    mem.set(v.subarray(s, e), v4);
    if (padded !== len) {
      // the last chunk's spare lanes hold zeros (finite results, never copied back)
      for (const base of [p4, g4, m4, v4]) mem.fill(0, base + len, base + padded);
    }
    kernel.adamw(padded * 4, ...scalars);
    param.set(mem.subarray(p4, p4 + len), s);
    m.set(mem.subarray(m4, m4 + len), s);
    v.set(mem.subarray(v4, v4 + len), s);
  }
}

let local: AdamwKernel | undefined;

/** One AdamW update of one parameter tensor in place (same contract as `adamwUpdate`). */
export function adamwUpdateSimd(
  param: Float32Array,
  grad: Float32Array,
  state: AdamWParamState,
  step: number,
  o: AdamWOptions,
): void {
  if (grad.length !== param.length || state.expAvg.length !== param.length)
    throw new Error("adamwUpdateSimd: length mismatch");
  local ??= instantiateAdamwKernel();
  runAdamwKernel(local, param, grad, state.expAvg, state.expAvgSq, adamwKernelScalars(step, o));
}
