import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PythonRandom } from "../../../../src/eval/ifeval/text/python-random.js";
import { FIXTURES } from "./fixtures.js";

interface Rec {
  seed: string;
  random: number[];
  gauss: number[];
  getrandbits: Array<[number, string]>;
  randbelow: Array<[number, number]>;
  mixed: number[];
}
const records = JSON.parse(readFileSync(join(FIXTURES, "python-random.json"), "utf8")) as Rec[];

describe("PythonRandom (CPython 3.11 random.Random)", () => {
  it("has fixtures for small, 32-bit boundary, multi-word and negative seeds", () => {
    expect(records.map((r) => r.seed)).toContain("4294967296");
    expect(records.map((r) => r.seed)).toContain("-7");
    expect(records.length).toBeGreaterThanOrEqual(10);
  });

  for (const rec of records) {
    describe(`seed ${rec.seed}`, () => {
      it("random() is exact", () => {
        const r = new PythonRandom(BigInt(rec.seed));
        expect(rec.random.map(() => r.random())).toEqual(rec.random);
      });
      it("gauss() is exact, including the cached second value", () => {
        const r = new PythonRandom(BigInt(rec.seed));
        expect(rec.gauss.map(() => r.gauss(0, 1))).toEqual(rec.gauss);
      });
      it("getrandbits(k) is exact for one- and multi-word k", () => {
        const r = new PythonRandom(BigInt(rec.seed));
        expect(rec.getrandbits.map(([k]) => [k, r.getrandbits(k).toString()])).toEqual(rec.getrandbits);
      });
      it("choice/_randbelow(n) is exact", () => {
        const r = new PythonRandom(BigInt(rec.seed));
        expect(rec.randbelow.map(([n]) => [n, r.randbelow(n)])).toEqual(rec.randbelow);
      });
      it("interleaved gauss and choice follow the same stream", () => {
        const r = new PythonRandom(BigInt(rec.seed));
        const items = Array.from({ length: 137 }, (_, i) => i);
        const got: number[] = [];
        for (let t = 0; t < 3; t++) {
          got.push(r.gauss(0, 1));
          for (let i = 0; i < 40; i++) got.push(r.choice(items));
        }
        expect(got).toEqual(rec.mixed);
      });
    });
  }

  it("re-seeding restarts the stream and drops the cached Gaussian", () => {
    const r = new PythonRandom(5);
    const first = r.gauss();
    r.seed(5);
    expect(r.gauss()).toBe(first);
    expect(() => r.choice([])).toThrow(RangeError);
  });
});
