import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { writeFileAtomic } from "../util/atomic.js";
import { ensureDir } from "../util/path-error.js";
import { DataError } from "./errors.js";

/**
 * The longest JSONL line (in bytes) the readers accept: 32 MiB, or `$IOPO_MAX_LINE_BYTES`. No row of the formats read
 * here comes near it; a longer line is a broken file (a missing newline, a binary blob) and is refused with its line
 * number before it is parsed. JSON array files (LLaMA-Factory datasets, often written on one line) are not limited
 * per line, only as whole files.
 */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

export function maxLineBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.IOPO_MAX_LINE_BYTES;
  if (v === undefined || v.trim() === "") return DEFAULT_MAX_LINE_BYTES;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`IOPO_MAX_LINE_BYTES must be a positive integer (got ${v})`);
  return n;
}

/** Node's longest string (about 512 MiB of UTF-16 code units): a text file must decode into one. */
const MAX_TEXT_BYTES = 0x1fffffe8;

/**
 * Read a UTF-8 text file. Every way it can fail names the path and what was expected (`what`, e.g. "a JSONL file"):
 * not found, a directory, unreadable (permissions), too large, bytes that are not valid UTF-8 (with their line).
 * A UTF-8 byte-order mark (written by Windows editors and Excel) is accepted and dropped; CRLF line ends are kept
 * here and accepted by the line readers.
 */
export function readUtf8(file: string, what = "a text file"): string {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw new DataError(file, undefined, undefined, `file not found (expected ${what})`);
  if (st.isDirectory()) throw new DataError(file, undefined, undefined, `is a directory, expected ${what}`);
  if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice())
    throw new DataError(file, undefined, undefined, `is not a regular file, expected ${what}`);
  if (st.size > MAX_TEXT_BYTES)
    throw new DataError(
      file,
      undefined,
      undefined,
      `file is too large to read (${st.size} bytes; at most ${MAX_TEXT_BYTES})`,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "is a directory"
          : (err as Error).message;
    throw new DataError(file, undefined, undefined, `cannot read (${reason}); expected ${what}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Locate the first invalid sequence to name its line.
    const lossy = new TextDecoder("utf-8").decode(bytes);
    const bad = lossy.indexOf("\uFFFD");
    const line = bad < 0 ? undefined : lossy.slice(0, bad).split("\n").length;
    const utf16 =
      bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    throw new DataError(
      file,
      line,
      undefined,
      utf16 ? "the file is UTF-16 (byte-order mark); save it as UTF-8" : "invalid UTF-8 bytes (save the file as UTF-8)",
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Refuse a line longer than maxLineBytes(), naming it: checked on the raw text before any JSON parsing. */
function checkLineLengths(file: string, text: string): void {
  const limit = maxLineBytes();
  // A UTF-8 line has at least as many bytes as UTF-16 code units, so lines shorter than limit/3 units are fine.
  if (text.length <= limit / 3) return;
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end - start > limit / 3) {
      const bytes = Buffer.byteLength(text.slice(start, end), "utf8");
      if (bytes > limit)
        throw new DataError(
          file,
          line,
          undefined,
          `line is too long (${bytes} bytes; at most ${limit}, set IOPO_MAX_LINE_BYTES to allow longer lines)`,
        );
    }
    start = end + 1;
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
  return parseJsonl(file, readUtf8(file, "a JSONL file"), schema, options);
}

function parseJsonl<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S | undefined,
  options: { allowEmpty?: boolean },
): JsonlRow<z.infer<S>>[] {
  checkLineLengths(file, text);
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
  const text = readUtf8(file, "a JSONL file or a JSON array");
  const first = text.trimStart()[0];
  if (first !== "[") return parseJsonl(file, text, schema, {});
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (err) {
    // Name the line of the error when the parser gives its offset ("... at position 1234 ...").
    const at = /position (\d+)/.exec((err as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
    throw new DataError(file, line, undefined, `not valid JSON (${(err as Error).message})`);
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
    ensureDir(dirname(file));
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
