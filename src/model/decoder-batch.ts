/**
 * Packing sequences into the decoder graph's row layout.
 *
 * Sequences whose prompts (ids before `responseStart`) are identical share one row: the prompt is laid out once and
 * each response follows it with its own positions (restarting at the prompt length) and a mask under which a
 * response sees the prompt and its own earlier tokens but never a sibling response. IOPO's four sequences per group
 * have two prompts, so they become two rows; log-probs are mathematically the same as computing each sequence alone.
 * Rows are right-padded; padded slots attend only to themselves and nobody attends to them.
 */
import type { ModelConfig } from "./config.js";

export interface SequenceInput {
  ids: Int32Array;
  /** index of the first response token; the log-prob covers ids[t] for t >= max(responseStart, 1) */
  responseStart: number;
}

export interface PackedBatch {
  rows: number;
  width: number;
  /** sequences in input order */
  sequences: number;
  /** predicting positions (one per scored token) */
  predictions: number;
  ids: BigInt64Array; // [rows, width]
  cos: Float32Array; // [rows, width, hd]
  sin: Float32Array; // [rows, width, hd]
  mask: Float32Array; // [rows, 1, 1, width, width]
  predIndex: BigInt64Array; // [R] flat index into rows*width
  targets: BigInt64Array; // [R, 1]
  segments: Float32Array; // [N, R]
  counts: Int32Array; // [N]
  /**
   * The sequence each predicting position belongs to ([R]). A sequence's predictions are consecutive and in token
   * order, so per-token values of sequence n are the entries of its run (the online methods' per-token inputs).
   */
  predOwner: Int32Array;
  /** flat index into rows*width of each sequence's last token ([N]: where a score head reads it) */
  lastIndex: BigInt64Array;
  /** tokens actually computed (without padding) */
  tokens: number;
  /** per-slot dropout keys [rows, width] (only when `tokenKeys` was given; padding 0) */
  keys?: BigInt64Array;
}

export const MASKED = -1e9;

/** Inverse frequencies of the rotary embedding (HF default rope). */
export function inverseFrequencies(cfg: ModelConfig): Float64Array {
  const hd = cfg.head_dim;
  const inv = new Float64Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) inv[i] = 1 / cfg.rope_theta ** ((2 * i) / hd);
  return inv;
}

/** Write cos and signed-sin tables for one position at `offset` (hd floats each). */
export function writeRotary(
  inv: Float64Array,
  pos: number,
  cos: Float32Array,
  sin: Float32Array,
  offset: number,
): void {
  const h = inv.length;
  for (let i = 0; i < h; i++) {
    const a = pos * inv[i]!;
    const c = Math.cos(a);
    const s = Math.sin(a);
    cos[offset + i] = c;
    cos[offset + h + i] = c;
    sin[offset + i] = -s;
    sin[offset + h + i] = s;
  }
}

interface RowPlan {
  prompt: Int32Array;
  members: number[];
}

function promptKey(ids: Int32Array, n: number): string {
  return Array.prototype.join.call(ids.subarray(0, n), ",");
}

/** Group sequences into rows (sharing prompts when asked). */
export function planRows(seqs: SequenceInput[], sharePrompts: boolean): RowPlan[] {
  const rows: RowPlan[] = [];
  const byKey = new Map<string, RowPlan>();
  seqs.forEach((s, i) => {
    if (s.responseStart < 0 || s.responseStart > s.ids.length) {
      throw new Error(`sequence ${i}: responseStart ${s.responseStart} outside 0..${s.ids.length}`);
    }
    const share = sharePrompts && s.responseStart >= 1;
    const key = share ? promptKey(s.ids, s.responseStart) : undefined;
    const existing = key !== undefined ? byKey.get(key) : undefined;
    if (existing) existing.members.push(i);
    else {
      const row = { prompt: s.ids.subarray(0, s.responseStart), members: [i] };
      rows.push(row);
      if (key !== undefined) byKey.set(key, row);
    }
  });
  return rows;
}

export function rowLength(plan: RowPlan, seqs: SequenceInput[]): number {
  return plan.prompt.length + plan.members.reduce((n, i) => n + seqs[i]!.ids.length - seqs[i]!.responseStart, 0);
}

/**
 * Lay the planned rows out. `tokenKeys(i)` (optional) gives per-token keys of sequence i (LoRA dropout); a shared
 * prompt slot takes its first member's keys, which equal every member's since the keys hash token prefixes.
 */
export function packBatch(
  cfg: ModelConfig,
  seqs: SequenceInput[],
  plans: RowPlan[],
  tokenKeys?: (seq: number) => Uint32Array,
): PackedBatch {
  const hd = cfg.head_dim;
  const inv = inverseFrequencies(cfg);
  const width = Math.max(1, ...plans.map((p) => rowLength(p, seqs)));
  const rows = plans.length;
  const ids = new BigInt64Array(rows * width);
  const cos = new Float32Array(rows * width * hd);
  const sin = new Float32Array(rows * width * hd);
  const mask = new Float32Array(rows * width * width).fill(MASKED);
  const pred: number[] = [];
  const targets: number[] = [];
  const owner: number[] = [];
  const counts = new Int32Array(seqs.length);
  const lastIndex = new BigInt64Array(seqs.length);
  const keys = tokenKeys ? new BigInt64Array(rows * width) : undefined;
  let tokens = 0;
  plans.forEach((plan, r) => {
    const base = r * width;
    const segment = new Int32Array(width).fill(-1); // -1 padding, 0 prompt, k+1 response k
    const P = plan.prompt.length;
    if (keys && plan.members.length > 0) {
      const first = tokenKeys!(plan.members[0]!);
      for (let t = 0; t < P; t++) keys[base + t] = BigInt(first[t]!);
    }
    for (let t = 0; t < P; t++) {
      ids[base + t] = BigInt(plan.prompt[t]!);
      writeRotary(inv, t, cos, sin, (base + t) * hd);
      segment[t] = 0;
    }
    let off = P;
    plan.members.forEach((seqIdx, k) => {
      const s = seqs[seqIdx]!;
      const rs = s.responseStart;
      const own = keys ? tokenKeys!(seqIdx) : undefined;
      for (let t = rs; t < s.ids.length; t++) {
        const slot = off + (t - rs);
        if (own) keys![base + slot] = BigInt(own[t]!);
        ids[base + slot] = BigInt(s.ids[t]!);
        writeRotary(inv, t, cos, sin, (base + slot) * hd);
        segment[slot] = k + 1;
      }
      // the last token: the response's last, or the (shared) prompt's last when the response is empty
      lastIndex[seqIdx] = BigInt(base + (s.ids.length > rs ? off + (s.ids.length - rs - 1) : Math.max(P - 1, 0)));
      for (let t = Math.max(rs, 1); t < s.ids.length; t++) {
        const prev = t - 1;
        const slot = prev < rs ? prev : off + (prev - rs);
        pred.push(base + slot);
        targets.push(s.ids[t]!);
        owner.push(seqIdx);
        counts[seqIdx]!++;
      }
      off += s.ids.length - rs;
    });
    tokens += off;
    for (let i = 0; i < width; i++) {
      const m = (r * width + i) * width;
      if (segment[i] === -1) {
        mask[m + i] = 0;
        continue;
      }
      for (let j = 0; j <= i; j++) {
        if (segment[j] === 0 || segment[j] === segment[i]) mask[m + j] = 0;
      }
    }
  });
  const R = pred.length;
  const segments = new Float32Array(seqs.length * Math.max(R, 1));
  owner.forEach((n, j) => {
    segments[n * R + j] = 1;
  });
  return {
    rows,
    width,
    sequences: seqs.length,
    predictions: R,
    ids,
    cos,
    sin,
    mask,
    predIndex: BigInt64Array.from(pred, (v) => BigInt(v)),
    targets: BigInt64Array.from(targets, (v) => BigInt(v)),
    segments,
    counts,
    predOwner: Int32Array.from(owner),
    lastIndex,
    tokens,
    keys,
  };
}
