import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";

/**
 * Float32 tensors in the safetensors layout (8-byte little-endian header length, JSON header, raw little-endian
 * data), used for optimizer state in checkpoints. Only F32; model weights go through the model folder writer.
 */
export function writeF32Tensors(file: string, tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>) {
  // transformers and PEFT expect PyTorch-format safetensors to say so
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // align the data to 8 bytes
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, pos);
    pos += d.byteLength;
  }
  writeFileAtomic(file, out);
}

export function readF32Tensors(file: string): Map<string, { shape: number[]; data: Float32Array }> {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + n;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, h] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (h.dtype !== "F32") throw new Error(`${file}: tensor ${name} has dtype ${h.dtype}, expected F32`);
    const [a, b] = h.data_offsets;
    const bytes = buf.subarray(base + a, base + b);
    const data = new Float32Array(bytes.byteLength / 4);
    Buffer.from(data.buffer).set(bytes);
    out.set(name, { shape: h.shape, data });
  }
  return out;
}
