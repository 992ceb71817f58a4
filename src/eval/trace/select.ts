import type { TraceRecord } from "../../data/schemas.js";
import { unitFor } from "../../util/random.js";

/** Which records an evaluation covers: exact ids, and/or a stratified sample of a given size. */
export interface TraceSelection {
  /** Only these record ids (comma-separated, or a list), in data order. Unknown ids are an error. */
  ids?: string | readonly string[];
  /** A sample of this many records, stratified by `constraints_num` (see stratifiedSample). */
  limit?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
}

/**
 * The records an evaluation covers: those with one of `ids`, then (with `limit`) a stratified sample of them. Throws
 * on an id that is not in the data, naming it.
 */
export function selectTraceRecords(records: readonly TraceRecord[], select: TraceSelection): TraceRecord[] {
  let out = [...records];
  if (select.ids !== undefined) {
    const list = typeof select.ids === "string" ? select.ids.split(",") : select.ids;
    const want = new Set(list.map((s) => s.trim()).filter((s) => s !== ""));
    const known = new Set(records.map((r) => r.id));
    const missing = [...want].filter((id) => !known.has(id));
    if (missing.length > 0) throw new Error(`--ids: no record with id ${missing.slice(0, 5).join(", ")} in the data`);
    out = out.filter((r) => want.has(r.id));
  }
  if (select.limit !== undefined) out = stratifiedSample(out, select.limit, select.seed ?? 0);
  return out;
}

/**
 * `n` records stratified by their number of constraints, so that IF-S (1 constraint) and IF-M (2 or more) and every
 * constraint count are represented (taking the first n of the released set would give single-constraint items only):
 *
 * 1. strata = the distinct `constraints_num` values; with n >= their number every stratum gets one record first, and
 *    the rest of n is shared in proportion to the strata's sizes (largest remainder, ties to the smaller count,
 *    never more than a stratum has); with fewer, n strata evenly spread over the sorted counts, from the smallest
 *    (1: IF-S) to the largest;
 * 2. within a stratum the records are ranked by a hash of (seed, id), so the sample depends only on the seed and the
 *    ids, not on the file's order;
 * 3. the sample is returned in data order. n >= the number of records returns them all.
 */
export function stratifiedSample(records: readonly TraceRecord[], n: number, seed: number): TraceRecord[] {
  if (n >= records.length) return [...records];
  const strata = new Map<number, TraceRecord[]>();
  for (const r of records) {
    const list = strata.get(r.constraints_num) ?? [];
    list.push(r);
    strata.set(r.constraints_num, list);
  }
  const keys = [...strata.keys()].sort((a, b) => a - b);
  const take = new Map<number, number>(keys.map((k) => [k, 0]));
  if (n < keys.length) {
    // Evenly spread over the sorted counts (n = 1: the most populous stratum).
    const chosen =
      n === 1
        ? [keys.reduce((a, b) => (strata.get(b)!.length > strata.get(a)!.length ? b : a))]
        : Array.from({ length: n }, (_, i) => keys[Math.round((i * (keys.length - 1)) / (n - 1))]);
    for (const k of chosen) take.set(k, 1);
  } else {
    for (const k of keys) take.set(k, 1);
    let left = n - keys.length;
    const spare = records.length - keys.length;
    const quota = keys.map((k) => ({ k, q: ((strata.get(k)!.length - 1) * left) / spare }));
    for (const { k, q } of quota) {
      const whole = Math.floor(q);
      take.set(k, take.get(k)! + whole);
      left -= whole;
    }
    const byRemainder = [...quota].sort((a, b) => b.q - Math.floor(b.q) - (a.q - Math.floor(a.q)) || a.k - b.k);
    for (const { k } of byRemainder) {
      if (left === 0) break;
      if (take.get(k)! < strata.get(k)!.length) {
        take.set(k, take.get(k)! + 1);
        left--;
      }
    }
  }
  const picked = new Set<TraceRecord>();
  for (const k of keys) {
    const rank = new Map(strata.get(k)!.map((r) => [r, unitFor(`${seed}:${r.id}`)]));
    const ranked = [...strata.get(k)!].sort((a, b) => rank.get(a)! - rank.get(b)! || (a.id < b.id ? -1 : 1));
    for (const r of ranked.slice(0, take.get(k))) picked.add(r);
  }
  return records.filter((r) => picked.has(r));
}
