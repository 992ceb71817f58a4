import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { JsonlJournal, readJournal } from "../data/jsonl.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import type { ModelConfig } from "./config.js";
import type { Weights } from "./weights.js";

/**
 * On-disk cache of sequence log-probs, so a frozen reference model is run once per dataset and never again
 * (TRL #3985 asks for exactly this). One JSONL journal per key:
 *
 *   key = sha256(data hash, model hash)
 *   data hash  = sha256 of the ENCODED examples (token ids + response start of every row, in order) - so it already
 *                covers the raw data, the chat template and the tokenizer: change any of them and the key changes.
 *   model hash = sha256 of the weights as computed (every tensor's name, shape and float32 values, in name order)
 *                and of the decoder hyper-parameters from config.json. Hashing the float32 values, not the file
 *                bytes, makes in-memory weights (e.g. a policy snapshot) hashable and makes an f32 and a bf16 copy
 *                of the same bf16 values share entries, which is correct since they compute the same log-probs.
 *
 * Batches are appended as they finish (fsync'd), so an interrupted run resumes where it stopped and a complete
 * journal is a full hit. Location: `--cache-dir`, else $IOPO_CACHE_DIR/logprobs, else .iopo-cache/logprobs in the
 * working directory (next to the LLM response cache, llm.sqlite).
 */

export function defaultCacheDir(): string {
  return join(process.env.IOPO_CACHE_DIR || ".iopo-cache", "logprobs");
}

const weightsHashes = new WeakMap<Weights, string>();

export function weightsHash(weights: Weights): string {
  const known = weightsHashes.get(weights);
  if (known) return known;
  const h = createHash("sha256");
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name)!;
    h.update(`${name}\u0000${t.shape.join(",")}\u0000`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const digest = h.digest("hex");
  weightsHashes.set(weights, digest);
  return digest;
}

export function modelHash(config: ModelConfig, weights: Weights): string {
  const { raw: _raw, ...hyper } = config;
  return sha256(`${weightsHash(weights)}\n${canonicalJson(hyper)}`);
}

export function encodedDataHash(examples: { ids: Int32Array; responseStart: number }[]): string {
  const h = createHash("sha256");
  for (const ex of examples) {
    h.update(`${ex.ids.length}:${ex.responseStart}:`);
    h.update(new Uint8Array(ex.ids.buffer, ex.ids.byteOffset, ex.ids.byteLength));
  }
  return h.digest("hex");
}

interface Entry {
  i: number;
  sum: number;
  count: number;
}

export class LogprobCache {
  readonly file: string;
  private journal: JsonlJournal | undefined;

  constructor(
    readonly dir: string,
    readonly dataHash: string,
    readonly modelHashValue: string,
    readonly size: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${sha256(`${dataHash}\n${modelHashValue}`).slice(0, 32)}.jsonl`);
  }

  /** Entries already computed (index -> value). Entries for another key or out of range are ignored. */
  load(): Map<number, { sum: number; count: number }> {
    const out = new Map<number, { sum: number; count: number }>();
    if (!existsSync(this.file)) return out;
    if (!this.headerMatches()) return out;
    const rows = readJournal<Entry>(this.file);
    for (const r of rows.slice(1)) {
      if (Number.isInteger(r.i) && r.i >= 0 && r.i < this.size && typeof r.sum === "number") {
        out.set(r.i, { sum: r.sum, count: r.count });
      }
    }
    return out;
  }

  append(entries: Entry[]): void {
    if (!this.journal) {
      // A file whose header is not ours (torn header, or another key with the same name prefix) is replaced.
      if (existsSync(this.file) && !this.headerMatches()) rmSync(this.file);
      // A crash mid-append leaves a torn last line: cut it so new lines start on a line boundary.
      if (existsSync(this.file)) {
        const text = readFileSync(this.file, "utf8");
        if (text.length > 0 && !text.endsWith("\n"))
          truncateSync(this.file, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
      }
      const isNew = !existsSync(this.file);
      this.journal = new JsonlJournal(this.file);
      if (isNew) this.journal.append({ data_hash: this.dataHash, model_hash: this.modelHashValue, n: this.size });
    }
    for (const e of entries) this.journal.append(e);
  }

  private headerMatches(): boolean {
    const head = readJournal<{ data_hash?: string; model_hash?: string }>(this.file)[0];
    return head?.data_hash === this.dataHash && head?.model_hash === this.modelHashValue;
  }

  close(): void {
    this.journal?.close();
    this.journal = undefined;
  }
}
