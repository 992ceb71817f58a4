import { describe, expect, it } from "vitest";
import {
  firstCodePoint,
  isPyLowerChar,
  isPySpace,
  isPyUpperChar,
  PY_B,
  PY_DOT,
  pyIsLower,
  pyIsUpper,
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

  it("implements str.isupper/islower on whole strings", () => {
    const cases: Array<[string, boolean, boolean]> = [
      ["HELLO WORLD 123!", true, false],
      ["hello world 123!", false, true],
      ["123 !?", false, false],
      ["", false, false],
      ["HELLO ǅ", false, false],
      ["ǅ", false, false],
      ["ÀÉÎ Ⅷ", true, false],
      ["ßªº", false, true],
      ["日本語 ABC", true, false],
      ["日本語", false, false],
    ];
    for (const [text, upper, lower] of cases) {
      expect([text, pyIsUpper(text), pyIsLower(text)]).toEqual([text, upper, lower]);
    }
  });

  it("has Python's dot", () => {
    expect(new RegExp(`^${PY_DOT}+$`, "u").test("a\rb\u2028c")).toBe(true);
    expect(new RegExp(`^${PY_DOT}+$`, "u").test("a\nb")).toBe(false);
  });

  it("has a Unicode-aware word boundary", () => {
    const re = new RegExp(`${PY_B}für${PY_B}`, "u");
    expect(re.test("das ist für dich")).toBe(true);
    expect(re.test("fürst")).toBe(false);
    expect(new RegExp(`${PY_B}é`, "u").test("café")).toBe(false);
  });
});
