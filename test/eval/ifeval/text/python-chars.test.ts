import { describe, expect, it } from "vitest";
import {
  firstCodePoint,
  isPyLowerChar,
  isPySpace,
  isPyUpperChar,
  PY_B,
  pyRstrip,
  pySplit,
  pyStrip,
} from "../../../../src/eval/ifeval/text/python-chars.js";

// Expected values are Python 3.11's (str.strip/split/isspace/isupper/islower, re \b).
describe("Python str semantics", () => {
  it("uses Python's whitespace set", () => {
    expect(pyStrip("\x1c\x85 a b\u3000\x1f")).toBe("a b");
    expect(pyStrip("\ufeffa\u200b")).toBe("\ufeffa\u200b");
    expect(pyRstrip("  a \n\t")).toBe("  a");
    expect(pySplit(" a\x1eb\u2028c  ")).toEqual(["a", "b", "c"]);
    expect(pySplit("")).toEqual([]);
    expect(isPySpace("\x85")).toBe(true);
    expect(isPySpace("\ufeff")).toBe(false);
  });

  it("classifies case per character like str.isupper/islower", () => {
    expect(isPyUpperChar("A")).toBe(true);
    expect(isPyUpperChar("Ⅷ")).toBe(true); // Other_Uppercase
    expect(isPyUpperChar("ǅ")).toBe(false); // title case
    expect(isPyLowerChar("ß")).toBe(true);
    expect(isPyLowerChar("ª")).toBe(true); // Other_Lowercase
    expect(isPyUpperChar("1")).toBe(false);
    expect(firstCodePoint("𝐀bc")).toBe("𝐀");
    expect(isPyUpperChar(firstCodePoint("𝐀bc"))).toBe(true);
  });

  it("has a Unicode-aware word boundary", () => {
    const re = new RegExp(`${PY_B}für${PY_B}`, "u");
    expect(re.test("das ist für dich")).toBe(true);
    expect(re.test("fürst")).toBe(false);
    expect(new RegExp(`${PY_B}é`, "u").test("café")).toBe(false);
  });
});
