import { describe, expect, it } from "vitest";
import { F32, I32, op, sleb, uleb, wasmModule } from "../../src/util/wasm-module.js";

describe("WebAssembly binary writer", () => {
  it("LEB128 encodes the spec's worked examples", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
  });

  it("writes a module the engine validates and runs (scalar and SIMD instructions)", () => {
    // store x * y at byte 16, then splat it over 4 lanes and add the vector at byte 32 to it
    const bytes = wasmModule(1, [
      {
        name: "f",
        params: [F32, F32],
        locals: [I32],
        body: [
          [...op.i32Const(16), ...op.localGet(0), ...op.localGet(1), 0x94 /* f32.mul */, 0x38, 2, 0 /* f32.store */],
          [...op.i32Const(32), ...op.i32Const(16), 0x2a, 2, 0 /* f32.load */, ...op.f32x4Splat],
          [...op.i32Const(0), ...op.v128Load(32), ...op.f32x4Add, ...op.v128Store(0)],
        ],
      },
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const mem = new Float32Array((inst.exports.memory as WebAssembly.Memory).buffer);
    mem.set([1, 2, 3, 4], 8);
    (inst.exports.f as (a: number, b: number) => void)(1.5, 3);
    expect(mem[4]).toBe(4.5);
    expect([...mem.subarray(8, 12)]).toEqual([5.5, 6.5, 7.5, 8.5]);
  });
});
