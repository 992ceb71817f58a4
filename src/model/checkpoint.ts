import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import { writeFileAtomic } from "../util/atomic.js";
import { dtypeBytes, readSafetensors, type StoredDtype, type TensorToWrite, writeSafetensors } from "./safetensors.js";
import type { Weights } from "./weights.js";

/**
 * A Hugging Face checkpoint in a folder: either `model.safetensors`, or shards `model-0000i-of-0000n.safetensors`
 * listed by `model.safetensors.index.json` ({"metadata": {"total_size": bytes}, "weight_map": {name: shard}}),
 * the layout `transformers`' `save_pretrained` writes and `from_pretrained` / vLLM read.
 */

export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";
/** transformers' default `max_shard_size` ("5GB", decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

export interface Checkpoint {
  weights: Weights;
  /** Stored dtype of each tensor, so a save writes the same dtypes back. */
  dtypes: Map<string, StoredDtype>;
  /** `__metadata__` of the (first) safetensors file. */
  metadata: Record<string, string> | undefined;
  /** The safetensors files read, in order. */
  files: string[];
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, INDEX_FILE)) || existsSync(join(dir, SINGLE_FILE));
}

export function readCheckpoint(dir: string): Checkpoint {
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) return readSharded(dir, indexPath);
  const single = join(dir, SINGLE_FILE);
  if (!existsSync(single)) {
    throw new DataError(dir, undefined, undefined, `no ${SINGLE_FILE} or ${INDEX_FILE} in the model folder`);
  }
  const content = readSafetensors(single);
  return { weights: content.tensors, dtypes: content.dtypes, metadata: content.metadata, files: [single] };
}

function readSharded(dir: string, indexPath: string): Checkpoint {
  let index: { weight_map?: unknown };
  try {
    index = JSON.parse(readUtf8(indexPath, "a JSON file"));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(indexPath, undefined, undefined, `not valid JSON (${(err as Error).message})`);
  }
  const map = index.weight_map;
  if (!map || typeof map !== "object" || Array.isArray(map)) {
    throw new DataError(indexPath, undefined, "weight_map", "expected an object {tensor name: shard file}");
  }
  const weightMap = map as Record<string, unknown>;
  const shards: string[] = [];
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\")) {
      throw new DataError(indexPath, undefined, `weight_map.${name}`, "expected a shard file name in the folder");
    }
    if (!shards.includes(shard)) shards.push(shard);
  }
  const weights: Weights = new Map();
  const dtypes = new Map<string, StoredDtype>();
  let metadata: Record<string, string> | undefined;
  const files: string[] = [];
  for (const shard of shards) {
    const file = join(dir, shard);
    if (!existsSync(file)) {
      throw new DataError(indexPath, undefined, "weight_map", `shard ${shard} is listed but missing from ${dir}`);
    }
    const content = readSafetensors(file);
    metadata ??= content.metadata;
    files.push(file);
    for (const [name, tensor] of content.tensors) {
      if (weightMap[name] !== shard) {
        throw new DataError(file, undefined, name, `tensor is not mapped to this shard by ${INDEX_FILE}`);
      }
      weights.set(name, tensor);
      dtypes.set(name, content.dtypes.get(name)!);
    }
  }
  for (const name of Object.keys(weightMap)) {
    if (!weights.has(name)) {
      throw new DataError(indexPath, undefined, `weight_map.${name}`, `tensor missing from shard ${weightMap[name]}`);
    }
  }
  // Keep the index's order (transformers writes it sorted), not the shard-reading order.
  const ordered: Weights = new Map(Object.keys(weightMap).map((n) => [n, weights.get(n)!]));
  return { weights: ordered, dtypes, metadata, files };
}

export interface WriteCheckpointOptions {
  /** Per-tensor dtype (e.g. the source checkpoint's); tensors not listed use `dtype`. */
  dtypes?: Map<string, StoredDtype>;
  /** Default stored dtype (F32 unless given). */
  dtype?: StoredDtype;
  /** Shard when the total exceeds this many bytes (default 5 GB like transformers). */
  maxShardBytes?: number;
  /** `__metadata__` for every file; defaults to {"format": "pt"}, which transformers checks for. */
  metadata?: Record<string, string>;
}

/** Shard file name in transformers' convention, e.g. `model-00001-of-00003.safetensors`. */
export function shardName(i: number, n: number): string {
  return `model-${String(i).padStart(5, "0")}-of-${String(n).padStart(5, "0")}.safetensors`;
}

/**
 * Write weights as a checkpoint in `dir`, removing any other `model*.safetensors` / index left from a previous save
 * so the folder never mixes two checkpoints. Returns the files written.
 */
export function writeCheckpoint(dir: string, weights: Weights, options: WriteCheckpointOptions = {}): string[] {
  const maxShard = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  const metadata = options.metadata ?? { format: "pt" };
  const tensors: TensorToWrite[] = [...weights].map(([name, t]) => ({
    name,
    dtype: options.dtypes?.get(name) ?? options.dtype ?? "F32",
    shape: t.shape,
    data: t.data,
  }));
  const sizeOf = (t: TensorToWrite) => t.data.length * dtypeBytes(t.dtype);
  const totalSize = tensors.reduce((s, t) => s + sizeOf(t), 0);
  // Greedy size-based grouping in tensor order (a tensor larger than the limit gets a shard of its own).
  const groups: TensorToWrite[][] = [[]];
  let current = 0;
  for (const t of tensors) {
    const size = sizeOf(t);
    if (groups[groups.length - 1].length > 0 && current + size > maxShard) {
      groups.push([]);
      current = 0;
    }
    groups[groups.length - 1].push(t);
    current += size;
  }
  const written: string[] = [];
  if (groups.length === 1) {
    const file = join(dir, SINGLE_FILE);
    writeSafetensors(file, groups[0], metadata);
    written.push(file);
  } else {
    const weightMap: Record<string, string> = {};
    groups.forEach((group, i) => {
      const name = shardName(i + 1, groups.length);
      writeSafetensors(join(dir, name), group, metadata);
      written.push(join(dir, name));
      for (const t of group) weightMap[t.name] = name;
    });
    const sortedMap = Object.fromEntries(
      Object.keys(weightMap)
        .sort()
        .map((k) => [k, weightMap[k]]),
    );
    const indexPath = join(dir, INDEX_FILE);
    writeFileAtomic(
      indexPath,
      `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sortedMap }, null, 2)}\n`,
    );
    written.push(indexPath);
  }
  for (const f of readdirSync(dir)) {
    const stale = f === SINGLE_FILE || f === INDEX_FILE || /^model-\d{5}-of-\d{5}\.safetensors$/.test(f);
    if (stale && !written.includes(join(dir, f))) rmSync(join(dir, f));
  }
  return written;
}
