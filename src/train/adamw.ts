/**
 * AdamW with exactly `torch.optim.AdamW`'s update (Loshchilov & Hutter 2019; PyTorch's single-tensor path,
 * amsgrad=False, maximize=False), so a run can be replayed in PyTorch step by step:
 *
 *   t += 1
 *   p   <- p * (1 - lr * weight_decay)                       decoupled weight decay, before the update
 *   m   <- m + (1 - beta1) (g - m)                            (torch: exp_avg.lerp_(grad, 1 - beta1))
 *   v   <- beta2 v + (1 - beta2) g^2
 *   bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t
 *   p   <- p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)   eps added after the bias correction, as torch does
 *
 * State (m, v) is float32 like torch's for float32 parameters; scalars are computed in float64 like Python's.
 */
import { type AdamWOptions, type AdamWParamState, adamwUpdateSimd } from "./adamw-simd.js";

export type { AdamWOptions, AdamWParamState } from "./adamw-simd.js";

/**
 * One AdamW update of one parameter tensor in place: the fast path, a WebAssembly SIMD kernel (adamw-simd.ts)
 * computing torch's float32 operations; the tests hold it to `adamwUpdateReference` below.
 */
export function adamwUpdate(
  param: Float32Array,
  grad: Float32Array,
  state: AdamWParamState,
  step: number,
  o: AdamWOptions,
): void {
  adamwUpdateSimd(param, grad, state, step, o);
}

/**
 * Reference AdamW update written op by op as torch executes it, rounding to float32 after every tensor op
 * (Math.fround). Readable and slow; the tests hold `adamwUpdate` to it.
 */
export function adamwUpdateReference(
  param: Float32Array,
  grad: Float32Array,
  state: AdamWParamState,
  step: number,
  o: AdamWOptions,
): void {
  const f = Math.fround;
  const decay = f(1 - o.lr * o.weightDecay);
  const bc1 = 1 - o.beta1 ** step;
  const bc2 = 1 - o.beta2 ** step;
  const stepSize = o.lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < param.length; i++) {
    param[i] = f(param[i] * decay);
    state.expAvg[i] = f(state.expAvg[i] + f(1 - o.beta1) * f(grad[i] - state.expAvg[i]));
    state.expAvgSq[i] = f(f(state.expAvgSq[i] * o.beta2) + f(1 - o.beta2) * f(grad[i] * grad[i]));
    const denom = f(f(f(Math.sqrt(state.expAvgSq[i])) / bc2Sqrt) + o.eps);
    param[i] = f(param[i] - f(stepSize) * f(state.expAvg[i] / denom));
  }
}

/** Runs updates of many tensors at once (the worker-thread pool of adamw-parallel.ts). */
export interface AdamWExecutor {
  update(
    tensors: readonly { param: Float32Array; grad: Float32Array; state: AdamWParamState }[],
    step: number,
    options: AdamWOptions,
  ): Promise<void>;
}

/** AdamW over a named set of float32 parameters (HF tensor names), with per-parameter state and a step count. */
export class AdamW {
  /** Number of optimizer steps taken (torch's `state["step"]`, identical for every parameter here). */
  step = 0;
  readonly state = new Map<string, AdamWParamState>();

  /**
   * @param allocate where state lives: plain memory by default; shared memory when a worker pool runs updates.
   */
  constructor(
    public options: AdamWOptions,
    private readonly allocate: (length: number) => AdamWParamState = (n) => ({
      expAvg: new Float32Array(n),
      expAvgSq: new Float32Array(n),
    }),
  ) {}

  /** The state of a parameter, created (zero) on first use. */
  stateFor(name: string, length: number): AdamWParamState {
    let s = this.state.get(name);
    if (!s) {
      s = this.allocate(length);
      this.state.set(name, s);
    }
    if (s.expAvg.length !== length)
      throw new Error(`AdamW: state of "${name}" has ${s.expAvg.length} values, not ${length}`);
    return s;
  }

  private tasks(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>) {
    return [...grads].map(([name, grad]) => {
      const param = params.get(name);
      if (!param) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      return { param, grad, state: this.stateFor(name, param.length) };
    });
  }

  /** Apply one update with learning rate `lr` (the scheduler's value for this step) to every parameter with a gradient. */
  update(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>, lr: number): void {
    const tasks = this.tasks(params, grads);
    this.step += 1;
    const o = { ...this.options, lr };
    for (const t of tasks) adamwUpdate(t.param, t.grad, t.state, this.step, o);
  }

  /** The same update run by an executor (worker threads); bit-identical to `update`. */
  async updateWith(
    executor: AdamWExecutor,
    params: ReadonlyMap<string, Float32Array>,
    grads: ReadonlyMap<string, Float32Array>,
    lr: number,
  ): Promise<void> {
    const tasks = this.tasks(params, grads);
    this.step += 1;
    await executor.update(tasks, this.step, { ...this.options, lr });
  }
}
