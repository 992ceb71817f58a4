import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INDEX_FILE, readCheckpoint, shardName, writeCheckpoint } from "../../src/model/checkpoint.js";
import { bf16ToFloat32, f16ToFloat32, float32ToBf16, float32ToF16 } from "../../src/model/float16.js";
import { decodeSafetensors, encodeSafetensors, readSafetensors } from "../../src/model/safetensors.js";
import type { Weights } from "../../src/model/weights.js";

const fixture = join(import.meta.dirname, "fixtures", "torch_dtypes.safetensors");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "iopo-st-"));
}

function randomTensor(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648 - 0.5) * 0.1;
  }
  return out;
}

/** Build a header by hand so corrupt variants can be produced. */
function rawFile(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  it("round-trips f32 exactly and 16-bit dtypes bit-exactly, keeping dtype and metadata", () => {
    const f32 = randomTensor(37, 1);
    const f16 = Float32Array.from(randomTensor(12, 2), (x) => f16ToFloat32(float32ToF16(x)));
    const bf16 = Float32Array.from(randomTensor(10, 3), (x) => bf16ToFloat32(float32ToBf16(x)));
    const bytes = encodeSafetensors(
      [
        { name: "a", dtype: "F32", shape: [37], data: f32 },
        { name: "b", dtype: "F16", shape: [3, 4], data: f16 },
        { name: "c", dtype: "BF16", shape: [2, 5], data: bf16 },
        // An odd-length 16-bit tensor leaves the next float32 tensor unaligned (allowed by the format).
        { name: "e", dtype: "F16", shape: [3], data: f16.subarray(0, 3) },
        { name: "f", dtype: "F32", shape: [2], data: f32.subarray(0, 2) },
      ],
      { format: "pt", note: "x" },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = decodeSafetensors(bytes, "mem");
    expect(back.metadata).toEqual({ format: "pt", note: "x" });
    expect([...back.dtypes]).toEqual([
      ["a", "F32"],
      ["b", "F16"],
      ["c", "BF16"],
      ["e", "F16"],
      ["f", "F32"],
    ]);
    expect(back.tensors.get("f")!.data).toEqual(f32.subarray(0, 2));
    expect(back.tensors.get("a")!.data).toEqual(f32);
    expect(back.tensors.get("b")!.shape).toEqual([3, 4]);
    expect(back.tensors.get("b")!.data).toEqual(f16);
    expect(back.tensors.get("c")!.data).toEqual(bf16);
    // Re-encoding what was read yields the same bytes.
    const again = encodeSafetensors(
      [...back.tensors].map(([name, t]) => ({ name, dtype: back.dtypes.get(name)!, shape: t.shape, data: t.data })),
      back.metadata,
    );
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it("matches PyTorch's float16/bfloat16 rounding and reads a Python-written file (fixture)", () => {
    const content = readSafetensors(fixture);
    expect(content.metadata).toEqual({ format: "pt" });
    const source = content.tensors.get("source")!.data;
    const torchF16 = content.tensors.get("as_f16")!.data;
    const torchBf16 = content.tensors.get("as_bf16")!.data;
    expect(source.length).toBeGreaterThan(1000);
    const ours16 = Float32Array.from(source, (x) => f16ToFloat32(float32ToF16(x)));
    const oursBf = Float32Array.from(source, (x) => bf16ToFloat32(float32ToBf16(x)));
    expect(ours16).toEqual(torchF16);
    expect(oursBf).toEqual(torchBf16);
    // Our encoder produces the same tensor bytes as torch for the same dtype.
    const bytes = readFileSync(fixture);
    const ours = encodeSafetensors([{ name: "as_bf16", dtype: "BF16", shape: [source.length], data: source }]);
    const oursData = ours.subarray(ours.length - source.length * 2);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    const start = 8 + Number(bytes.readBigUInt64LE(0)) + header.as_bf16.data_offsets[0];
    expect(Buffer.from(oursData).equals(bytes.subarray(start, start + source.length * 2))).toBe(true);
    // Re-encoding what was read reproduces the Python-written file byte for byte (header layout, padding, data).
    const reencoded = encodeSafetensors(
      [...content.tensors].map(([name, t]) => ({
        name,
        dtype: content.dtypes.get(name)!,
        shape: t.shape,
        data: t.data,
      })),
      content.metadata,
    );
    expect(Buffer.from(reencoded).equals(bytes)).toBe(true);
    expect(content.dtypes.get("model.layers.0.mlp.up_proj.weight")).toBe("BF16");
    expect(content.tensors.get("model.layers.0.mlp.up_proj.weight")!.shape).toEqual([3, 5]);
  });

  it("rejects corrupt files with the file and tensor named", () => {
    const data = new Uint8Array(16);
    const ok = { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } };
    expect(() => decodeSafetensors(rawFile(ok, data), "f.safetensors")).not.toThrow();
    const cases: [object, Uint8Array, RegExp][] = [
      [{ w: { dtype: "F32", shape: [4], data_offsets: [0, 20] } }, data, /f\.safetensors: field "w".*out of range/],
      [{ w: { dtype: "F32", shape: [3], data_offsets: [0, 16] } }, data, /"w".*needs 12/],
      [{ w: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, data, /"w".*dtype I64 is not supported/],
      [{ w: { dtype: "Q4", shape: [2], data_offsets: [0, 16] } }, data, /"w".*unknown dtype/],
      [
        {
          w: { dtype: "F32", shape: [2], data_offsets: [8, 16] },
          v: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        },
        data,
        /"w".*gap/,
      ],
      [{ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, data, /8 trailing bytes/],
      [{ w: { dtype: "F32", shape: [-1], data_offsets: [0, 16] } }, data, /"w".*shape/],
      [{ __metadata__: { a: 1 }, ...ok }, data, /__metadata__/],
    ];
    for (const [header, bytes, message] of cases) {
      expect(() => decodeSafetensors(rawFile(header, bytes), "f.safetensors")).toThrow(message);
    }
    const bad = rawFile(ok, data);
    new DataView(bad.buffer).setBigUint64(0, 10n ** 9n, true);
    expect(() => decodeSafetensors(bad, "f.safetensors")).toThrow(/header length .* exceeds/);
    expect(() => decodeSafetensors(new Uint8Array(3), "f.safetensors")).toThrow(/shorter than/);
    const notJson = rawFile(ok, data);
    notJson[9] = 0x7b;
    notJson[8] = 0x7b;
    expect(() => decodeSafetensors(notJson, "f.safetensors")).toThrow(/not valid UTF-8 JSON/);
  });
});

describe("checkpoints", () => {
  const weights: Weights = new Map([
    ["model.embed_tokens.weight", { shape: [10, 4], data: randomTensor(40, 4) }],
    ["model.layers.0.self_attn.q_proj.weight", { shape: [4, 4], data: randomTensor(16, 5) }],
    ["model.norm.weight", { shape: [4], data: randomTensor(4, 6) }],
    ["lm_head.weight", { shape: [10, 4], data: randomTensor(40, 7) }],
  ]);

  it("writes a single file below the shard size and reads it back losslessly", () => {
    const dir = tmp();
    writeCheckpoint(dir, weights);
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
    const back = readCheckpoint(dir);
    expect([...back.weights.keys()]).toEqual([...weights.keys()]);
    for (const [name, t] of weights) expect(back.weights.get(name)).toEqual(t);
  });

  it("shards by size with HF names and index, round trip keeps values and dtypes", () => {
    const dir = tmp();
    const dtypes = new Map([["model.embed_tokens.weight", "BF16" as const]]);
    writeCheckpoint(dir, weights, { maxShardBytes: 100, dtypes });
    const files = readdirSync(dir).sort();
    expect(files).toContain(INDEX_FILE);
    const shards = files.filter((f) => f !== INDEX_FILE);
    expect(shards).toEqual(shards.map((_, i) => shardName(i + 1, shards.length)));
    expect(shards[0]).toMatch(/^model-00001-of-0000\d\.safetensors$/);
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8"));
    // embed 40*2 + q 16*4 + norm 4*4 + head 40*4
    expect(index.metadata.total_size).toBe(80 + 64 + 16 + 160);
    expect(Object.keys(index.weight_map).sort()).toEqual([...weights.keys()].sort());
    const back = readCheckpoint(dir);
    expect(back.dtypes.get("model.embed_tokens.weight")).toBe("BF16");
    expect(back.dtypes.get("lm_head.weight")).toBe("F32");
    for (const [name, t] of weights) {
      const expected =
        name === "model.embed_tokens.weight" ? t.data.map((x) => bf16ToFloat32(float32ToBf16(x))) : t.data;
      expect(back.weights.get(name)!.data).toEqual(expected);
    }
    // Saving the read checkpoint again as a single file removes the stale shards.
    writeCheckpoint(dir, back.weights, { dtypes: back.dtypes });
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
  });

  it("reports a missing shard or unmapped tensor", () => {
    const dir = tmp();
    writeCheckpoint(dir, weights, { maxShardBytes: 100 });
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8"));
    index.weight_map["extra.weight"] = "model-00009-of-00009.safetensors";
    writeFileSync(join(dir, INDEX_FILE), JSON.stringify(index));
    expect(() => readCheckpoint(dir)).toThrow(/model-00009-of-00009.safetensors is listed but missing/);
    expect(() => readCheckpoint(tmp())).toThrow(/no model.safetensors/);
  });
});
