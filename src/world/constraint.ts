import { containsWord, countAsciiWords, type ListFormat, listView } from "./response-analysis.js";

/**
 * The constraints of the world. Every kind is machine-checkable and mirrors a TRACE dimension (paper appendix A):
 * it has one canonical English rendering (a constraint line), a parser from that rendering back to the
 * constraint (so the world's programs can read prompts), and a checker (response -> pass/fail with the reason).
 */
export type Constraint =
  | { kind: "count"; n: number }
  | { kind: "words_max"; n: number }
  | { kind: "words_min"; n: number }
  | { kind: "include"; word: string }
  | { kind: "exclude"; word: string }
  | { kind: "format"; format: ListFormat }
  | { kind: "case"; case: "upper" | "lower" }
  | { kind: "bold" }
  | { kind: "opening"; phrase: string }
  | { kind: "closing"; phrase: string }
  | { kind: "heading"; title: string }
  | { kind: "example"; example: string };

export type ConstraintKind = Constraint["kind"];

/** The TRACE dimension (English name, src/taxonomy) each kind belongs to. */
export const KIND_DIMENSION: Record<ConstraintKind, string> = {
  count: "Numerical",
  words_max: "Numerical",
  words_min: "Numerical",
  include: "Inclusion",
  exclude: "Exclusion",
  format: "Output Format",
  case: "Text Pattern",
  bold: "Text Pattern",
  opening: "Template",
  closing: "Template",
  heading: "Hierarchical Structure",
  example: "Positive Example",
};

export const CONSTRAINT_KINDS = Object.keys(KIND_DIMENSION) as ConstraintKind[];

const FORMAT_TEXT: Record<ListFormat, string> = {
  json: "Format the list as a JSON array of strings.",
  bullets: 'Format the list as bullet points, each line starting with "- ".',
  numbered: "Format the list as a numbered list (1., 2., 3., ...).",
};

/** The constraint as one English sentence (the canonical form the world writes and reads). */
export function renderConstraint(c: Constraint): string {
  switch (c.kind) {
    case "count":
      return `List exactly ${c.n} ${c.n === 1 ? "item" : "items"}.`;
    case "words_max":
      return `Use at most ${c.n} words in total.`;
    case "words_min":
      return `Use at least ${c.n} words in total.`;
    case "include":
      return `Include the word "${c.word}".`;
    case "exclude":
      return `Do not use the word "${c.word}".`;
    case "format":
      return FORMAT_TEXT[c.format];
    case "case":
      return `Write the entire response in ${c.case === "upper" ? "uppercase" : "lowercase"} letters.`;
    case "bold":
      return "Write the name of every item in bold, like **this**.";
    case "opening":
      return `Begin your response with the phrase "${c.phrase}".`;
    case "closing":
      return `End your response with the phrase "${c.phrase}".`;
    case "heading":
      return `Put the Markdown heading "## ${c.title}" above the list.`;
    case "example":
      return `Write each item as a name and a short note, following this example: "${c.example}".`;
  }
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One sticky pattern per rendering; group 1 (if any) carries the value. */
const PATTERNS: { re: RegExp; build: (m: RegExpExecArray) => Constraint | undefined }[] = [
  { re: /List exactly (\d+) items?\./y, build: (m) => positive(m[1], (n) => ({ kind: "count", n })) },
  { re: /Use at most (\d+) words in total\./y, build: (m) => positive(m[1], (n) => ({ kind: "words_max", n })) },
  { re: /Use at least (\d+) words in total\./y, build: (m) => positive(m[1], (n) => ({ kind: "words_min", n })) },
  { re: /Include the word "([A-Za-z]+)"\./y, build: (m) => ({ kind: "include", word: m[1].toLowerCase() }) },
  { re: /Do not use the word "([A-Za-z]+)"\./y, build: (m) => ({ kind: "exclude", word: m[1].toLowerCase() }) },
  ...(Object.entries(FORMAT_TEXT) as [ListFormat, string][]).map(([format, text]) => ({
    re: new RegExp(esc(text), "y"),
    build: (): Constraint => ({ kind: "format", format }),
  })),
  {
    re: /Write the entire response in (uppercase|lowercase) letters\./y,
    build: (m) => ({ kind: "case", case: m[1] === "uppercase" ? "upper" : "lower" }),
  },
  { re: new RegExp(esc(renderConstraint({ kind: "bold" })), "y"), build: () => ({ kind: "bold" }) },
  { re: /Begin your response with the phrase "([^"\n]+)"\./y, build: (m) => ({ kind: "opening", phrase: m[1] }) },
  { re: /End your response with the phrase "([^"\n]+)"\./y, build: (m) => ({ kind: "closing", phrase: m[1] }) },
  {
    re: /Put the Markdown heading "## ([^"\n]+)" above the list\./y,
    build: (m) => ({ kind: "heading", title: m[1] }),
  },
  {
    re: /Write each item as a name and a short note, following this example: "([^"\n]+ - [^"\n]+)"\./y,
    build: (m) => ({ kind: "example", example: m[1] }),
  },
];

function positive(s: string, make: (n: number) => Constraint): Constraint | undefined {
  const n = Number(s);
  return Number.isSafeInteger(n) && n > 0 ? make(n) : undefined;
}

/** A constraint sentence starting exactly at `pos` of `text`, with its length; undefined when none does. */
export function parseConstraintAt(text: string, pos: number): { constraint: Constraint; length: number } | undefined {
  for (const { re, build } of PATTERNS) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) continue;
    const constraint = build(m);
    if (constraint) return { constraint, length: m[0].length };
  }
  return undefined;
}

/** Leading list numbering of a constraint line ("1. ", "2) ", "3、"), as TRACE lines and judge prompts carry it. */
export function stripLineNumber(line: string): string {
  return line.replace(/^\s*(?:\(?\d+[.)、．:：]\)?|[-*•])\s*/, "").trim();
}

/** A whole constraint line (numbering and a trailing `[dimension]` tag tolerated), or undefined when it is not one. */
export function parseConstraint(line: string): Constraint | undefined {
  const text = stripLineNumber(line).replace(/\s*\[[^\]\n]*\]$/, "");
  const p = parseConstraintAt(text, 0);
  return p && p.length === text.length ? p.constraint : undefined;
}

export interface CheckResult {
  ok: boolean;
  /** Why, in a short sentence (used in the judge's explanations). */
  why: string;
}

const pass = (why: string): CheckResult => ({ ok: true, why });
const fail = (why: string): CheckResult => ({ ok: false, why });

/** The name part of a list item: before " - " when it carries a note. */
export function itemName(item: string): string {
  const dash = item.indexOf(" - ");
  return (dash >= 0 ? item.slice(0, dash) : item).trim();
}

/** Does `response` satisfy `c`? */
export function checkConstraint(c: Constraint, response: string): CheckResult {
  const text = response.trim();
  switch (c.kind) {
    case "count": {
      const n = listView(text).items.length;
      return n === c.n ? pass(`the list has ${n} items`) : fail(`the list has ${n} items, not ${c.n}`);
    }
    case "words_max": {
      const n = countAsciiWords(text);
      return n <= c.n ? pass(`${n} words, within ${c.n}`) : fail(`${n} words, more than ${c.n}`);
    }
    case "words_min": {
      const n = countAsciiWords(text);
      return n >= c.n ? pass(`${n} words, at least ${c.n}`) : fail(`${n} words, fewer than ${c.n}`);
    }
    case "include":
      return containsWord(text, c.word) ? pass(`"${c.word}" appears`) : fail(`"${c.word}" does not appear`);
    case "exclude":
      return containsWord(text, c.word) ? fail(`"${c.word}" appears`) : pass(`"${c.word}" does not appear`);
    case "format":
      return checkFormat(c.format, text);
    case "case": {
      const letters = text.replace(/[^A-Za-z]/g, "");
      const want = c.case === "upper" ? letters.toUpperCase() : letters.toLowerCase();
      if (letters === "") return fail("there are no letters");
      return letters === want ? pass(`all letters are ${c.case} case`) : fail(`some letters are not ${c.case} case`);
    }
    case "bold": {
      const items = listView(text).items;
      if (items.length === 0) return fail("there is no list");
      const plain = items.filter((i) => !/^\*\*[^*]+\*\*$/.test(itemName(i)));
      return plain.length === 0 ? pass("every item is bold") : fail(`${plain.length} items are not bold`);
    }
    case "opening":
      return text.toLowerCase().startsWith(c.phrase.toLowerCase())
        ? pass("it begins with the phrase")
        : fail(`it does not begin with "${c.phrase}"`);
    case "closing":
      return text.toLowerCase().endsWith(c.phrase.toLowerCase())
        ? pass("it ends with the phrase")
        : fail(`it does not end with "${c.phrase}"`);
    case "heading": {
      const want = `## ${c.title}`.toLowerCase();
      const at = text.split("\n").findIndex((l) => l.trim().toLowerCase() === want);
      if (at < 0) return fail(`there is no heading "## ${c.title}"`);
      const offset = text.split("\n").slice(0, at).join("\n").length;
      const start = listView(text).start;
      return start < 0 || offset < start
        ? pass("the heading is above the list")
        : fail("the heading is below the list");
    }
    case "example": {
      const items = listView(text).items;
      if (items.length === 0) return fail("there is no list");
      const bad = items.filter((i) => !/^\S.*? - \S.*$/.test(i));
      return bad.length === 0 ? pass("every item has a name and a note") : fail(`${bad.length} items lack a note`);
    }
  }
}

function checkFormat(format: ListFormat, text: string): CheckResult {
  const v = listView(text);
  if (!v.formats.includes(format)) return fail(`there is no ${format === "json" ? "JSON array" : `${format} list`}`);
  if (v.formats.length > 1) return fail(`the list mixes ${v.formats.join(" and ")}`);
  if (format === "bullets" && v.bulletMarkers.some((m) => m !== "-")) return fail('some bullets do not use "- "');
  if (format === "numbered" && v.numbers.some((n, i) => n !== i + 1)) return fail("the numbering is not 1, 2, 3...");
  return pass(`the list is a ${format === "json" ? "JSON array" : `${format} list`}`);
}

/** Every constraint's verdict, in order. */
export function checkAll(constraints: readonly Constraint[], response: string): CheckResult[] {
  return constraints.map((c) => checkConstraint(c, response));
}

/** A stable key for comparing constraints (their canonical rendering). */
export function constraintKey(c: Constraint): string {
  return renderConstraint(c);
}
