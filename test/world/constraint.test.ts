import { describe, expect, it } from "vitest";
import {
  CONSTRAINT_KINDS,
  type Constraint,
  checkConstraint,
  parseConstraint,
  parseConstraintAt,
  renderConstraint,
} from "../../src/world/constraint.js";
import { countAsciiWords, listView } from "../../src/world/response-analysis.js";

/** At least one example of every kind, with the values a generator can produce. */
const EXAMPLES: Constraint[] = [
  { kind: "count", n: 1 },
  { kind: "count", n: 4 },
  { kind: "words_max", n: 30 },
  { kind: "words_min", n: 45 },
  { kind: "include", word: "kiwi" },
  { kind: "exclude", word: "banana" },
  { kind: "format", format: "json" },
  { kind: "format", format: "bullets" },
  { kind: "format", format: "numbered" },
  { kind: "case", case: "upper" },
  { kind: "case", case: "lower" },
  { kind: "bold" },
  { kind: "opening", phrase: "Sure, here you go:" },
  { kind: "closing", phrase: "That is all." },
  { kind: "heading", title: "Favourite Fruits" },
  { kind: "example", example: "Piano - a classic" },
];

describe("constraint rendering and parsing", () => {
  it("covers every kind", () => {
    expect(new Set(EXAMPLES.map((c) => c.kind))).toEqual(new Set(CONSTRAINT_KINDS));
  });

  it.each(EXAMPLES.map((c) => [renderConstraint(c), c] as const))("round-trips %s", (text, c) => {
    expect(parseConstraint(text)).toEqual(c);
    // As TRACE constraint lines carry them: numbered, and with surrounding spaces.
    expect(parseConstraint(`3. ${text}`)).toEqual(c);
    expect(parseConstraint(`  12) ${text}  `)).toEqual(c);
    // With the taxonomy tag the structurer may append.
    expect(parseConstraint(`1. ${text} [Numerical]`)).toEqual(c);
  });

  it("reads constraints inside running prose at a position", () => {
    const prose = `List some fruits. ${renderConstraint(EXAMPLES[1])} ${renderConstraint(EXAMPLES[12])}`;
    const first = parseConstraintAt(prose, "List some fruits. ".length);
    expect(first?.constraint).toEqual(EXAMPLES[1]);
    const second = parseConstraintAt(prose, "List some fruits. ".length + first!.length + 1);
    expect(second?.constraint).toEqual(EXAMPLES[12]);
  });

  it("rejects text that is not a world constraint", () => {
    expect(parseConstraint("Use a friendly tone.")).toBeUndefined();
    expect(parseConstraint("List exactly 0 items.")).toBeUndefined();
    expect(parseConstraint("List exactly 3 items. And more.")).toBeUndefined();
    expect(parseConstraint("")).toBeUndefined();
  });
});

const check = (c: Constraint, text: string) => checkConstraint(c, text).ok;

describe("checkers on hand-written responses", () => {
  it("count: list items of any format", () => {
    expect(check({ kind: "count", n: 3 }, "- Apple\n- Pear\n- Plum")).toBe(true);
    expect(check({ kind: "count", n: 3 }, "1. Apple\n2. Pear")).toBe(false);
    expect(check({ kind: "count", n: 2 }, 'Here:\n["Apple", "Pear"]\nBye.')).toBe(true);
    expect(check({ kind: "count", n: 1 }, "Apple and pear.")).toBe(false);
  });

  it("word bounds count runs of letters, not numbers or markup", () => {
    expect(countAsciiWords("## Fruits\n\n1. **Apple** - easy to find\n2. Pear")).toBe(6);
    expect(countAsciiWords("it's well-known 42")).toBe(2);
    expect(check({ kind: "words_max", n: 6 }, "## Fruits\n\n1. **Apple** - easy to find\n2. Pear")).toBe(true);
    expect(check({ kind: "words_max", n: 5 }, "## Fruits\n\n1. **Apple** - easy to find\n2. Pear")).toBe(false);
    expect(check({ kind: "words_min", n: 3 }, "- Apple\n- Pear")).toBe(false);
    expect(check({ kind: "words_min", n: 2 }, "- Apple\n- Pear")).toBe(true);
  });

  it("include / exclude match whole words, any case", () => {
    expect(check({ kind: "include", word: "kiwi" }, "- KIWI\n- Pear")).toBe(true);
    expect(check({ kind: "include", word: "kiwi" }, "- Kiwis\n- Pear")).toBe(false);
    expect(check({ kind: "exclude", word: "pear" }, "- Apple\n- Peach")).toBe(true);
    expect(check({ kind: "exclude", word: "pear" }, "- Apple\n- pear")).toBe(false);
  });

  it("formats: JSON array of strings, dash bullets, numbering from 1, never mixed", () => {
    const json = { kind: "format", format: "json" } as const;
    const bullets = { kind: "format", format: "bullets" } as const;
    const numbered = { kind: "format", format: "numbered" } as const;
    expect(check(json, 'Sure:\n["Apple", "Pear"]')).toBe(true);
    expect(check(json, "[Apple, Pear]")).toBe(false);
    expect(check(json, "[1, 2]")).toBe(false);
    expect(check(json, '["Apple"]\n- Pear')).toBe(false);
    expect(check(bullets, "- Apple\n- Pear")).toBe(true);
    expect(check(bullets, "- Apple\n* Pear")).toBe(false);
    expect(check(bullets, "1. Apple\n2. Pear")).toBe(false);
    expect(check(numbered, "1. Apple\n2. Pear")).toBe(true);
    expect(check(numbered, "1. Apple\n3. Pear")).toBe(false);
    expect(check(numbered, "1. Apple\n- Pear")).toBe(false);
  });

  it("case: every letter, and there must be letters", () => {
    expect(check({ kind: "case", case: "upper" }, "- APPLE\n- PEAR!")).toBe(true);
    expect(check({ kind: "case", case: "upper" }, "- APPLE\n- Pear")).toBe(false);
    expect(check({ kind: "case", case: "lower" }, "## fruits\n- apple")).toBe(true);
    expect(check({ kind: "case", case: "lower" }, "## Fruits\n- apple")).toBe(false);
    expect(check({ kind: "case", case: "lower" }, "123")).toBe(false);
  });

  it("bold: the name of every item, notes allowed after it", () => {
    expect(check({ kind: "bold" }, "- **Apple** - a classic\n- **Pear** - well known")).toBe(true);
    expect(check({ kind: "bold" }, "- **Apple**\n- Pear")).toBe(false);
    expect(check({ kind: "bold" }, '["**Apple**", "**Pear**"]')).toBe(true);
    expect(check({ kind: "bold" }, "**Apple** and **Pear**")).toBe(false);
  });

  it("opening and closing phrases, case-insensitive", () => {
    expect(check({ kind: "opening", phrase: "Here is my list:" }, "HERE IS MY LIST:\n- A")).toBe(true);
    expect(check({ kind: "opening", phrase: "Here is my list:" }, "Well. Here is my list:\n- A")).toBe(false);
    expect(check({ kind: "closing", phrase: "Enjoy!" }, "- Apple\n\nenjoy!\n")).toBe(true);
    expect(check({ kind: "closing", phrase: "Enjoy!" }, "Enjoy!\n- Apple")).toBe(false);
  });

  it("heading: the exact level-2 heading, above the list", () => {
    const h = { kind: "heading", title: "Fruits" } as const;
    expect(check(h, "## Fruits\n\n- Apple")).toBe(true);
    expect(check(h, "## FRUITS\n\n- Apple")).toBe(true);
    expect(check(h, "# Fruits\n\n- Apple")).toBe(false);
    expect(check(h, "- Apple\n\n## Fruits")).toBe(false);
  });

  it("example: every item is 'name - note'", () => {
    const e = { kind: "example", example: "Piano - a classic" } as const;
    expect(check(e, "- Apple - a classic\n- Pear - well known")).toBe(true);
    expect(check(e, "- Apple - a classic\n- Pear")).toBe(false);
    expect(check(e, "no list at all")).toBe(false);
  });

  it("list view reads items and where the list starts", () => {
    const v = listView("Intro:\n## T\n1. A\n2. B");
    expect(v.items).toEqual(["A", "B"]);
    expect(v.formats).toEqual(["numbered"]);
    expect(v.start).toBe("Intro:\n## T\n".length);
  });
});
