/**
 * Deterministic dropout masks for the LoRA branch (PEFT: y = W x + (alpha/r) B A dropout(x), inverted scaling
 * 1/(1-p), training only).
 *
 * The mask is a pure function of (seed, optimizer step, module, token, feature), computed inside the ONNX graph by a
 * counter-based 32-bit integer hash (int64 Mul/BitwiseAnd/Div/BitwiseXor, all on ORT's CPU provider), with this file's
 * plain-TypeScript functions as the reference. A token is identified by its *prefix* (the token ids up to and
 * including it, hashed incrementally), not by where the packer puts it: a prompt shared by several sequences gets one
 * mask whichever sequence carries it, and the mask of a sequence never depends on its micro-batch companions or on
 * how the step is split into micro-batches. So runs are reproducible, `--resume` replays the same masks, and
 * gradient accumulation 8 x 1 == 1 x 8 holds with dropout on.
 *
 * Per element (token key t, feature c of module m):  h = mix(t XOR colKey(m, c));  kept iff h >= p * 2^32.
 */
import { broadcastShapes, type Graph, type Value } from "../engine/graph.js";
import { fnv1a32 } from "../util/random.js";

const MASK32 = 0xffffffff;
// Odd multipliers below 2^31, so that a 32-bit value times one stays below 2^63 in the graph's int64 arithmetic.
const M1 = 0x7feb352d;
const M2 = 0x2c1b3c6d;
const GOLDEN = 0x9e3779b9;

/** The element finaliser, exactly as the graph computes it: two rounds of multiply, keep 32 bits, xor-shift. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h, M1) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, M2) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h;
}

/** The stream of one optimizer step of one run. */
export function dropoutStream(seed: number, step: number): number {
  return mix32(mix32((seed ^ 0x5eed) >>> 0) ^ mix32((step + GOLDEN) >>> 0));
}

/** Token keys of a sequence: key[t] hashes the stream and ids[0..t] (so equal prefixes get equal keys). */
export function sequenceTokenKeys(stream: number, ids: ArrayLike<number>): Uint32Array {
  const keys = new Uint32Array(ids.length);
  let h = stream;
  for (let t = 0; t < ids.length; t++) {
    h = mix32((h + GOLDEN + (ids[t]! >>> 0)) >>> 0);
    keys[t] = h;
  }
  return keys;
}

/** Per-feature keys of one module's LoRA input (graph constants). */
export function moduleColumnKeys(module: string, n: number): Uint32Array {
  // FNV-1a of the module name (e.g. "model.layers.3.self_attn.q_proj").
  const salt = mix32(fnv1a32(module));
  return Uint32Array.from({ length: n }, (_, c) => mix32((salt ^ mix32((c + GOLDEN) >>> 0)) >>> 0));
}

/** Integer threshold: an element is dropped iff its hash < round(p * 2^32). */
export function dropThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout probability ${p} outside [0, 1)`);
  return Math.round(p * 2 ** 32);
}

/** Reference: the inverted-dropout multiplier (0 or 1/(1-p)) of one element. */
export function dropoutMultiplier(tokenKey: number, columnKey: number, p: number): number {
  return mix32((tokenKey ^ columnKey) >>> 0) < dropThreshold(p) ? 0 : 1 / (1 - p);
}

/** Reference mask [tokens x n] of a module for a list of token keys (row-major). */
export function referenceDropoutMask(tokenKeys: ArrayLike<number>, module: string, n: number, p: number): Float64Array {
  const cols = moduleColumnKeys(module, n);
  const out = new Float64Array(tokenKeys.length * n);
  for (let t = 0; t < tokenKeys.length; t++)
    for (let c = 0; c < n; c++) out[t * n + c] = dropoutMultiplier(tokenKeys[t]!, cols[c]!, p);
  return out;
}

/** ONNX 18 bitwise ops on int64 (the graph builder has no method for them; ORT's CPU provider implements them). */
function bitwise(g: Graph, op: "BitwiseXor" | "BitwiseAnd", a: Value, b: Value): Value {
  return g.node(op, [a, b], {}, [{ dtype: "int64", shape: broadcastShapes(a.shape, b.shape) }])[0]!;
}

/**
 * The elements of x [T, n] that one module's dropout keeps, *unscaled*: x * keep with keep in {0, 1}. The caller
 * applies the inverted-dropout factor 1/(1-p) where it is cheapest (the LoRA branch folds it into its GEMM's alpha).
 * `tokenKeys` is int64 [T, 1] (values < 2^32); the mask is integer-only up to its Cast, so it has no gradient path.
 * (A Where(dropped, 0, x) would keep a 1-byte mask instead of 4 bytes for the backward pass, but ORT's CPU Where
 * measured several times slower than Cast + Mul at the bench shapes.)
 */
export function dropUnscaledGraph(g: Graph, x: Value, tokenKeys: Value, module: string, p: number): Value {
  const n = x.shape[x.rank - 1];
  if (typeof n !== "number") throw new Error(`${module}: dropout needs a static feature dim`);
  const cols = g.constant(moduleColumnKeys(module, n), [1, n], "int64");
  const mask32 = g.scalar(MASK32, "int64");
  const round = (x: Value, mul: number, shift: number) => {
    const m = bitwise(g, "BitwiseAnd", g.mul(x, g.scalar(mul, "int64")), mask32);
    return bitwise(g, "BitwiseXor", m, g.div(m, g.scalar(2 ** shift, "int64")));
  };
  const h = round(round(bitwise(g, "BitwiseXor", tokenKeys, cols), M1, 15), M2, 13);
  const keep = g.less(g.scalar(dropThreshold(p) - 1, "int64"), h); // h >= threshold
  return g.mul(x, g.cast(keep, "float32"));
}
