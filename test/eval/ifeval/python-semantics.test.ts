// Expected values below were produced by CPython 3.11 (str methods, re, json) on the same inputs.
import { describe, expect, it } from "vitest";
import { pyJsonDumps, pyJsonLoadsOk } from "../../../src/eval/ifeval/pyjson.js";
import { compilePyRegex, PyRegexError, pyFindall, pySearch } from "../../../src/eval/ifeval/pyre.js";
import {
  isPySpace,
  pyIsLower,
  pyIsUpper,
  pyLen,
  pyLstrip,
  pySplitWhitespace,
  pyStrip,
  removePrefix,
  removeSuffix,
} from "../../../src/eval/ifeval/pystr.js";
import { pyIsLower as refIsLower, pyIsUpper as refIsUpper } from "../../../src/eval/ifeval/text/python-chars.js";

describe("Python str semantics", () => {
  it("isupper/islower need a cased character and treat titlecase as neither", () => {
    expect(["I", "U.S.", "'M", "123", "ǅ", "ABCǅ", "Ⅷ"].map(pyIsUpper)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
    expect(["ᵃ", "ª", "ⓐ", "abc 1", "", "123", "aB"].map(pyIsLower)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it("whole-string isupper/islower agree with the per-character reference loop", () => {
    const pool = Array.from("aBcD1 .ǅǈᵃªⓐⒶⅧⅷİıßẞΣσςÀàǄǆ_-😀𝐀𝐚");
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 5000; k++) {
      const s = Array.from({ length: Math.floor(rand() * 5) }, () => pool[Math.floor(rand() * pool.length)]).join("");
      expect([s, pyIsUpper(s), pyIsLower(s)]).toEqual([s, refIsUpper(s), refIsLower(s)]);
    }
  });

  it("strip/split use Python's whitespace set: \\x1c-\\x1f and \\x85 yes, \\ufeff no", () => {
    expect(pyStrip("\x1c a \x85\ufeff")).toBe("a \x85\ufeff");
    expect(pyStrip("\x1f\x85 a\u3000\u2028")).toBe("a");
    expect(pySplitWhitespace("\ufeffa")).toEqual(["\ufeffa"]);
    expect(pySplitWhitespace("a\x1fb\x85c\u3000d")).toEqual(["a", "b", "c", "d"]);
    expect(pySplitWhitespace("  ")).toEqual([]);
    expect(isPySpace("\ufeff")).toBe(false);
    expect(isPySpace("\x1e")).toBe(true);
  });

  it("strip with a character set, code-point length, removeprefix/removesuffix", () => {
    expect(pyStrip('""quoted""', '"')).toBe("quoted");
    expect(pyLstrip("<<<title>>", "<")).toBe("title>>");
    expect(pyLen("😀a")).toBe(2);
    expect(removePrefix("```json{}", "```json")).toBe("{}");
    expect(removeSuffix("abc", "")).toBe("abc");
    expect(pyStrip("😀a😀b😀", "😀")).toBe("a😀b");
  });

  it("fast strip agrees with a plain code-point strip on random strings", () => {
    const alphabet = [" ", "\t", "\n", "\x1c", "\x85", "\ufeff", "\u3000", "a", "*", '"', "😀", "\u2028"];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const slow = (s: string, chars?: string) => {
      const cps = Array.from(s);
      const inSet = (c: string) => (chars === undefined ? isPySpace(c) : chars.includes(c));
      let i = 0;
      let j = cps.length;
      while (i < j && inSet(cps[i])) i++;
      while (j > i && inSet(cps[j - 1])) j--;
      return cps.slice(i, j).join("");
    };
    for (let k = 0; k < 2000; k++) {
      const s = Array.from(
        { length: Math.floor(rand() * 10) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join("");
      expect(pyStrip(s)).toBe(slow(s));
      expect(pyStrip(s, '*"')).toBe(slow(s, '*"'));
    }
  });
});

describe("Python re semantics on RegExp", () => {
  const count = (pattern: string, text: string, flags = {}) => pyFindall(compilePyRegex(pattern, flags), text).length;

  it("\\w is Unicode letters/numbers/underscore, not combining marks", () => {
    expect(count("\\w+", "हिन्दी भाषा")).toBe(5);
    expect(count("\\w+", "naïve café x²½ ①")).toBe(4);
    expect(count("\\w+", "snake_case x")).toBe(2);
  });

  it("\\b is Unicode-aware", () => {
    const search = (p: string, t: string) => pySearch(compilePyRegex(p, { ignoreCase: true }), t);
    expect(search("\\bcafé\\b", "un café noir")).toBe(true);
    expect(search("\\bcaf\\b", "un café noir")).toBe(false);
    expect(search("\\bété\\b", "l’Été")).toBe(true);
  });

  it("MULTILINE anchors break only at \\n; `.` matches \\r", () => {
    expect(pyFindall(compilePyRegex("^\\s*-.*$", { multiline: true }), "a\r- b\n  - c\n\n---\n1. x")).toEqual([
      "  - c",
      "\n---",
    ]);
    expect(pyFindall(compilePyRegex("\\s*p\\.\\s?s\\..*$", { multiline: true }), "hello\rp.s. x")).toEqual([
      "\rp.s. x",
    ]);
    expect(pyFindall(compilePyRegex("^\\s*\\*[^\\*].*$", { multiline: true }), "\n\n* a\n**b**\n*\nc")).toEqual([
      "\n\n* a",
      "*\nc",
    ]);
    expect(pySearch(compilePyRegex("a.b"), "a\u2028b")).toBe(true);
    expect(pySearch(compilePyRegex("a.b"), "a\nb")).toBe(false);
  });

  it("non-MULTILINE $ also matches before a final newline", () => {
    expect(pySearch(compilePyRegex("end$"), "the end\n")).toBe(true);
    expect(pySearch(compilePyRegex("end$"), "the end\n\n")).toBe(false);
  });

  it("\\d is any Unicode decimal digit", () => {
    expect(count("\\s?SECTION\\s?\\d+\\s?", "SECTION 1 a SECTION b SECTION ٣ c")).toBe(2);
  });

  it("accepts Python-only literal escapes and literal braces, rejects bad escapes", () => {
    expect(count("\\,", "a, b, c")).toBe(2);
    expect(count("a{", "a{a{")).toBe(2);
    expect(count("x{2}", "xxxxx")).toBe(2);
    expect(count("x{,2}", "xxx")).toBe(3); // "xx", "x", then the empty match at the end
    expect(count("[]a]", "]a")).toBe(2);
    expect(() => compilePyRegex("\\q")).toThrow(PyRegexError);
    expect(() => compilePyRegex("(abc")).toThrow(PyRegexError);
  });

  it("named groups and inline flags", () => {
    expect(count("(?P<w>ab)(?P=w)", "ababab")).toBe(1);
    expect(count("(?i)hello", "HeLLo hello")).toBe(2);
  });
});

describe("Python json", () => {
  it("json.loads acceptance matches CPython", () => {
    const cases: [string, boolean][] = [
      ["NaN", true],
      ["-Infinity", true],
      ["[1,]", false],
      ["01", false],
      ["1.", false],
      ['"\x01"', false],
      ['{"a":1}{}', false],
      [" 1 ", true],
      ['"\\ud800"', true],
      ["-0", true],
      ["1e5", true],
      ["1E+5", true],
      [".5", false],
      ["+1", false],
      ["[]", true],
      ["{}", true],
      ["tru", false],
      ["", false],
      ['{"a": [1, {"b": null}], "c": "\\u00e9\\n"}', true],
      ["{'a': 1}", false],
      ['"\\x41"', false],
      ["\ufeff{}", false],
    ];
    for (const [text, ok] of cases) expect([text, pyJsonLoadsOk(text)]).toEqual([text, ok]);
  });

  it("json.dumps default output (ensure_ascii, spaced separators)", () => {
    expect(pyJsonDumps({ a: [true, false], b: 'é\u2028😀\x7f\n"\\' })).toBe(
      '{"a": [true, false], "b": "\\u00e9\\u2028\\ud83d\\ude00\\u007f\\n\\"\\\\"}',
    );
  });
});
