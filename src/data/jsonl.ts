import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { writeFileAtomic } from "../util/atomic.js";
import { DataError } from "./errors.js";

/** Read a UTF-8 text file, rejecting bytes that are not valid UTF-8 with the line they are on. */
export function readUtf8(file: string): string {
  if (!existsSync(file)) throw new DataError(file, undefined, undefined, "file not found");
  const bytes = readFileSync(file);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Locate the first invalid sequence to name its line.
    const lossy = new TextDecoder("utf-8").decode(bytes);
    const bad = lossy.indexOf("\uFFFD");
    const line = bad < 0 ? undefined : lossy.slice(0, bad).split("\n").length;
    throw new DataError(file, line, undefined, "invalid UTF-8 bytes");
  }
}

export interface JsonlRow<T> {
  /** 1-based line number in the file. */
  line: number;
  value: T;
}

/**
 * Parse a JSONL file. Blank lines are skipped; a line that is not JSON, or (with a schema) whose value does not
 * match, throws a DataError naming the file, line and the first offending field. `allowEmpty` false (default)
 * makes an empty file an error, since every pipeline needs at least one row.
 */
export function readJsonl<S extends z.ZodType>(
  file: string,
  schema?: S,
  options: { allowEmpty?: boolean } = {},
): JsonlRow<z.infer<S>>[] {
  const text = readUtf8(file);
  const rows: JsonlRow<z.infer<S>>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DataError(file, i + 1, undefined, `not valid JSON (${(err as Error).message})`);
    }
    rows.push({ line: i + 1, value: schema ? validate(schema, value, file, i + 1) : (value as z.infer<S>) });
  }
  if (rows.length === 0 && !options.allowEmpty) throw new DataError(file, undefined, undefined, "file has no rows");
  return rows;
}

/** Read either a JSONL file or a JSON array file (LLaMA-Factory datasets are JSON arrays). */
export function readJsonOrJsonl<S extends z.ZodType>(file: string, schema?: S): JsonlRow<z.infer<S>>[] {
  const text = readUtf8(file);
  const first = text.trimStart()[0];
  if (first !== "[") return readJsonl(file, schema);
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, undefined, undefined, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(arr)) throw new DataError(file, undefined, undefined, "expected a JSON array");
  if (arr.length === 0) throw new DataError(file, undefined, undefined, "file has no rows");
  // For JSON arrays the "line" is the 1-based element index; errors say "element" to avoid confusion.
  return arr.map((value, i) => ({
    line: i + 1,
    value: schema ? validate(schema, value, `${file} (element ${i + 1})`, undefined) : value,
  }));
}

/** Validate one value against a zod schema, turning the first issue into a DataError with its field path. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
  line: number | undefined,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length ? issue.path.map(String).join(".") : undefined;
  throw new DataError(file, line, field, issue.message);
}

/** Serialise rows as JSONL text (one compact JSON object per line, trailing newline). */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

/** Write a whole JSONL file atomically (never half-written). */
export function writeJsonl(file: string, rows: readonly unknown[]): void {
  writeFileAtomic(file, toJsonl(rows));
}

/**
 * Append-only JSONL journal for checkpointing long jobs: each `append` writes one full line and fsyncs, so after
 * a kill the file holds whole lines plus at most one torn last line, which `readJournal` drops.
 */
export class JsonlJournal {
  private fd: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  /**
   * `syncEveryMs` (optional): group commit. Each line is still written at once (a killed process loses nothing:
   * the kernel has it), but the fsync that guards against power loss runs at most every `syncEveryMs` instead of
   * after every line, which otherwise blocks the event loop for milliseconds per row in high-throughput jobs.
   */
  constructor(
    readonly file: string,
    private readonly options: { syncEveryMs?: number } = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, "a");
  }
  append(row: unknown): void {
    writeSync(this.fd, `${JSON.stringify(row)}\n`);
    if (this.options.syncEveryMs === undefined) {
      fsyncSync(this.fd);
      return;
    }
    this.dirty = true;
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined;
      this.sync();
    }, this.options.syncEveryMs).unref();
  }
  /** Flush to disk now. */
  sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fsyncSync(this.fd);
  }
  close(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.sync();
    closeSync(this.fd);
  }
}

/** Read a journal written by JsonlJournal, ignoring a torn final line left by a crash. */
export function readJournal<T = unknown>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const out: T[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    try {
      out.push(JSON.parse(lines[i]) as T);
    } catch (err) {
      if (i === lines.length - 1) break; // torn tail: a crash mid-append leaves no trailing newline
      throw new DataError(file, i + 1, undefined, `corrupt journal line (${(err as Error).message})`);
    }
  }
  return out;
}
