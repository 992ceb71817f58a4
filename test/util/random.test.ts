import { describe, expect, it } from "vitest";
import {
  deriveSeed,
  fnv1a32,
  mixSeeds,
  mulberry32,
  permutation,
  randFor,
  sample,
  sha256Seed,
  shuffled,
  standardNormal,
  unitFor,
} from "../../src/util/random.js";

// Golden values: tiny model weights, world seeds, pairs operations and training data order are all drawn from these
// functions, so any change to them shows up here first.
describe("util/random", () => {
  it("mulberry32 is pinned", () => {
    const r = mulberry32(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const a = mulberry32(-1);
    const b = mulberry32(0xffffffff);
    expect([a(), a()]).toEqual([b(), b()]);
  });

  it("the three seedings are pinned and distinct", () => {
    expect(deriveSeed(7, "row-1")).toBe(290473816);
    expect(fnv1a32("model.layers.0.mlp")).toBe(2474453697);
    expect(deriveSeed(0, "model.layers.0.mlp")).toBe(fnv1a32("model.layers.0.mlp"));
    expect(mixSeeds(1, 2, 3)).toBe(2952563871);
    expect(mixSeeds(1, 2, 3)).not.toBe(mixSeeds(3, 2, 1));
    expect(sha256Seed("world")).toBe(1215210594);
    expect(unitFor("world")).toBe(randFor("world")());
    expect(unitFor("world")).toBe(mulberry32(sha256Seed("world"))());
  });

  it("helpers draw as pinned", () => {
    expect(permutation(8, mulberry32(1))).toEqual([2, 1, 6, 7, 4, 3, 0, 5]);
    expect(shuffled([0, 1, 2, 3, 4, 5, 6, 7], mulberry32(1))).toEqual(permutation(8, mulberry32(1)));
    expect(sample([..."abcdefgh"], 3, mulberry32(2))).toEqual(["b", "d", "f"]);
    expect(sample([..."ab"], 5, mulberry32(2))).toEqual(["a", "b"]);
    expect(standardNormal(mulberry32(3))()).toBe(0.7863846115586807);
  });
});
