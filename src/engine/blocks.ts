/**
 * Composite blocks with hand-written VJPs (docs/engine.md, gotcha 6: ORT's broadcasting elementwise kernels are slow,
 * so fewer backward nodes matter). Each forward is built from primitive ops; `Graph.withGradient` attaches a fused VJP
 * that replaces op-by-op differentiation of the block. Tests check each against the op-by-op gradient and finite
 * differences.
 */
import { unbroadcast } from "./autodiff.js";
import type { Graph, Value } from "./graph.js";

/** RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * w. */
export function rmsNorm(g: Graph, x: Value, w: Value, eps: number): Value {
  const inv = g.reciprocal(g.sqrt(g.add(g.reduceMean(g.mul(x, x), [-1], true), g.scalar(eps))));
  const n = g.mul(x, inv);
  const y = g.mul(n, w);
  return g.withGradient(y, [x, w], (g2, gy, needs) => {
    let dx: Value | undefined;
    if (needs[0]) {
      const gn = g2.mul(gy, w);
      dx = g2.mul(inv, g2.sub(gn, g2.mul(n, g2.reduceMean(g2.mul(gn, n), [-1], true))));
    }
    const dw = needs[1] ? unbroadcast(g2, g2.mul(gy, n), w.shape) : undefined;
    return [dx, dw];
  });
}

/** SwiGLU: silu(gate) * up. */
export function swiglu(g: Graph, gate: Value, up: Value): Value {
  const s = g.sigmoid(gate);
  const a = g.mul(gate, s);
  const y = g.mul(a, up);
  return g.withGradient(y, [gate, up], (g2, gy, needs) => {
    let dgate: Value | undefined;
    if (needs[0]) {
      // d silu / d gate = s + a (1 - s) = s + a - a s
      const dsilu = g2.add(s, g2.sub(a, g2.mul(a, s)));
      dgate = g2.mul(g2.mul(gy, up), dsilu);
    }
    return [dgate, needs[1] ? g2.mul(gy, a) : undefined];
  });
}

/**
 * log softmax(logits)[target] per row: logits [R, V], targets int64 [R, 1] -> [R, 1]. The VJP is
 * scatter_add(-softmax * gy, target, gy): three passes over [R, V] instead of op-by-op's six.
 */
export function tokenLogprob(g: Graph, logits: Value, targets: Value): Value {
  const lsm = g.logSoftmax(logits, -1);
  const y = g.gatherElements(lsm, targets, 1);
  return g.withGradient(y, [logits], (g2, gy) => [
    g2.scatterElementsAdd(g2.mul(g2.exp(lsm), g2.neg(gy)), targets, gy, 1),
  ]);
}

/**
 * `tokenLogprob` plus the entropy of each row's distribution, -sum softmax * log softmax ([R, 1]), from the one
 * log-softmax. The entropy is a diagnostic output (the online methods log it): it carries no hand-written VJP and
 * no loss reads it, so it adds nothing to the backward graph.
 */
export function tokenLogprobEntropy(g: Graph, logits: Value, targets: Value): { logp: Value; entropy: Value } {
  const lsm = g.logSoftmax(logits, -1);
  const y = g.gatherElements(lsm, targets, 1);
  const logp = g.withGradient(y, [logits], (g2, gy) => [
    g2.scatterElementsAdd(g2.mul(g2.exp(lsm), g2.neg(gy)), targets, gy, 1),
  ]);
  const entropy = g.neg(g.reduceSum(g.mul(g.exp(lsm), lsm), [-1], true));
  return { logp, entropy };
}
