import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { DataError } from "../data/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { bf16ToFloat32, f16ToFloat32, float32ToBf16, float32ToF16 } from "./float16.js";
import { numel, type Tensor } from "./weights.js";

/**
 * The safetensors format (https://github.com/huggingface/safetensors, "Format" section), written from its spec:
 *   8 bytes  little-endian u64 N = header length
 *   N bytes  UTF-8 JSON: { "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *                          "__metadata__": {string: string} (optional) }
 *   rest     the byte buffer; offsets are relative to its start, tensors are contiguous, row-major, little-endian.
 * We read F32/F16/BF16 into float32 (the compute type) and remember each tensor's stored dtype so a saved checkpoint
 * keeps it. Other dtypes are rejected with the file and tensor named.
 */

export type StoredDtype = "F32" | "F16" | "BF16";
export const SUPPORTED_DTYPES: readonly StoredDtype[] = ["F32", "F16", "BF16"];
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  /** The dtype each tensor had on disk. */
  dtypes: Map<string, StoredDtype>;
  /** `__metadata__` as found (string -> string), or undefined. */
  metadata: Record<string, string> | undefined;
}

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface ParsedHeader {
  entries: Map<string, HeaderEntry>;
  metadata: Record<string, string> | undefined;
  /** Byte offset of the data buffer in the file (8 + header length). */
  dataStart: number;
}

/**
 * Parse and validate the header of a safetensors byte string. `file` names the source in errors. `fileSize` (default:
 * the length of `bytes`) lets a caller pass only the file's first 8 + N bytes and still check every tensor's span
 * against the size of the whole file (checkSafetensorsFile).
 */
export function parseSafetensorsHeader(bytes: Uint8Array, file: string, fileSize = bytes.length): ParsedHeader {
  const fail = (detail: string, field?: string): never => {
    throw new DataError(file, undefined, field, `invalid safetensors file: ${detail}`);
  };
  if (fileSize < 8) fail(`file is ${fileSize} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(fileSize - 8)) {
    fail(`header length ${headerLen} exceeds the file size (${fileSize} bytes)`);
  }
  const n = Number(headerLen);
  if (bytes.length < 8 + n) fail(`only ${bytes.length} of the header's ${8 + n} bytes were given`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + n;
  const dataLen = fileSize - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (!value || typeof value !== "object" || Array.isArray(value)) fail("__metadata__ is not an object", name);
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== "string") fail(`__metadata__.${k} is not a string`, name);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as Partial<HeaderEntry> | null;
    if (!e || typeof e !== "object") fail(`tensor entry is not an object`, name);
    const entry = e as Partial<HeaderEntry>;
    if (typeof entry.dtype !== "string" || !(entry.dtype in DTYPE_BYTES)) {
      fail(`unknown dtype ${JSON.stringify(entry.dtype)}`, name);
    }
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`shape ${JSON.stringify(entry.shape)} is not a list of non-negative integers`, name);
    }
    const off = entry.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`data_offsets ${JSON.stringify(off)} is not [begin, end]`, name);
    }
    const [begin, end] = off as [number, number];
    if (end < begin || end > dataLen) {
      fail(`data_offsets [${begin}, ${end}] out of range (data buffer has ${dataLen} bytes)`, name);
    }
    const expected = numel(entry.shape as number[]) * DTYPE_BYTES[entry.dtype as string];
    if (end - begin !== expected) {
      fail(
        `data_offsets span ${end - begin} bytes but shape ${JSON.stringify(entry.shape)} x ${entry.dtype} needs ${expected}`,
        name,
      );
    }
    entries.set(name, entry as HeaderEntry);
  }
  // The spec requires the tensors to tile the buffer exactly: no gaps, no overlaps, nothing trailing.
  const spans = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let cursor = 0;
  for (const [name, e] of spans) {
    if (e.data_offsets[0] !== cursor) {
      fail(
        e.data_offsets[0] < cursor
          ? `tensor overlaps the previous one (starts at ${e.data_offsets[0]}, previous ends at ${cursor})`
          : `gap in the data buffer before this tensor (starts at ${e.data_offsets[0]}, expected ${cursor})`,
        name,
      );
    }
    cursor = e.data_offsets[1];
  }
  if (cursor !== dataLen) fail(`data buffer has ${dataLen - cursor} trailing bytes not covered by any tensor`);
  return { entries, metadata, dataStart };
}

/**
 * Check a safetensors file's structure from its header alone, without reading the tensors: the header parses, and
 * the tensors' spans (dtype x shape) tile the data buffer exactly up to the end of the file, so a truncated or
 * extended file is caught. Throws DataError naming the file (and the tensor).
 */
export function checkSafetensorsFile(file: string): ParsedHeader {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 8));
    readSync(fd, head, 0, head.length, 0);
    if (size < 8) return parseSafetensorsHeader(head, file, size);
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(size - 8)) return parseSafetensorsHeader(head, file, size);
    const bytes = Buffer.alloc(8 + Number(n));
    readSync(fd, bytes, 0, bytes.length, 0);
    return parseSafetensorsHeader(bytes, file, size);
  } finally {
    closeSync(fd);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode one tensor's bytes (little-endian) into float32. */
function decodeTensor(bytes: Uint8Array, dtype: StoredDtype, count: number): Float32Array {
  if (LITTLE_ENDIAN) {
    // Fast path: one copy into a fresh (aligned) buffer, then typed-array views.
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    if (dtype === "F32") return new Float32Array(copy);
    const halves = new Uint16Array(copy);
    const out = new Float32Array(count);
    if (dtype === "BF16") {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = halves[i] << 16;
    } else {
      const table = f16Table();
      for (let i = 0; i < count; i++) out[i] = table[halves[i]];
    }
    return out;
  }
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "F32") {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === "BF16") {
    for (let i = 0; i < count; i++) out[i] = bf16ToFloat32(view.getUint16(2 * i, true));
  } else {
    const table = f16Table();
    for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)];
  }
  return out;
}

let f16Lookup: Float32Array | undefined;
function f16Table(): Float32Array {
  if (!f16Lookup) {
    f16Lookup = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Lookup[h] = f16ToFloat32(h);
  }
  return f16Lookup;
}

/** Parse a whole safetensors byte string into float32 tensors. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContent {
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes, file);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Map<string, StoredDtype>();
  for (const [name, e] of entries) {
    if (!SUPPORTED_DTYPES.includes(e.dtype as StoredDtype)) {
      throw new DataError(
        file,
        undefined,
        name,
        `tensor dtype ${e.dtype} is not supported (supported: ${SUPPORTED_DTYPES.join(", ")})`,
      );
    }
    const slice = bytes.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
    tensors.set(name, { shape: [...e.shape], data: decodeTensor(slice, e.dtype as StoredDtype, numel(e.shape)) });
    dtypes.set(name, e.dtype as StoredDtype);
  }
  return { tensors, dtypes, metadata };
}

export function readSafetensors(file: string): SafetensorsContent {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataError(file, undefined, undefined, `cannot read safetensors file (${(err as Error).message})`);
  }
  return decodeSafetensors(bytes, file);
}

export interface TensorToWrite {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  data: Float32Array;
}

export function dtypeBytes(dtype: StoredDtype): number {
  return DTYPE_BYTES[dtype];
}

/**
 * Encode tensors as a safetensors byte string. Tensors are laid out in the given order; the header is padded with
 * spaces to a multiple of 8 bytes (as the Python writer does) so every tensor starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    seen.add(t.name);
    if (t.data.length !== numel(t.shape)) {
      throw new Error(`tensor ${t.name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    }
    const size = t.data.length * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += " ".repeat(padded - jsonBytes.length);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  let pos = 8 + padded;
  for (const t of tensors) {
    const n = t.data.length;
    if (t.dtype === "F32" && LITTLE_ENDIAN && pos % 4 === 0) {
      new Float32Array(out.buffer, pos, n).set(t.data);
    } else if (t.dtype === "F32") {
      for (let i = 0; i < n; i++) view.setFloat32(pos + 4 * i, t.data[i], true);
    } else {
      const convert = t.dtype === "BF16" ? float32ToBf16 : float32ToF16;
      for (let i = 0; i < n; i++) view.setUint16(pos + 2 * i, convert(t.data[i]), true);
    }
    pos += n * DTYPE_BYTES[t.dtype];
  }
  return out;
}

export function writeSafetensors(file: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
