/**
 * Gradient clipping by global L2 norm with `torch.nn.utils.clip_grad_norm_` semantics:
 *   total = || (||g_1||, ..., ||g_k||) ||_2,  coef = max_norm / (total + 1e-6),  clamped to <= 1,
 *   every gradient is multiplied by the clamped coefficient.
 * Returns the total norm before clipping (what HF Trainer logs as `grad_norm`). maxNorm <= 0 disables clipping
 * (HF `max_grad_norm: 0`) but the norm is still computed for logging.
 */
export function clipGradNorm(grads: Iterable<Float32Array>, maxNorm: number): number {
  const list = [...grads];
  let sq = 0;
  for (const g of list) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    sq += s;
  }
  const total = Math.sqrt(sq);
  if (maxNorm > 0 && Number.isFinite(total)) {
    const coef = Math.min(maxNorm / (total + 1e-6), 1);
    if (coef < 1) for (const g of list) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return total;
}
