import { RESPOND_SYSTEM_PROMPT } from "../trace/prompts/respond.js";
import { type Constraint, renderConstraint } from "./constraint.js";
import { renderTask, TASK_FORM_COUNT } from "./task.js";
import { CATEGORIES, CLOSING_PHRASES, FILLERS, NOTES, OPENING_PHRASES } from "./vocabulary.js";

/**
 * The closed lexicon of the world, for the word-level tokenizer of the tiny model trained on it later (docs/design.md,
 * section 6): every token any world instruction (as the response stage renders it) or world response can contain.
 * Tokens are runs of letters, single digits (so any number is covered) and single other characters; letters come in the
 * case variants responses use (as written, lower, upper).
 */
export function worldTokens(text: string): string[] {
  return text.match(/[A-Za-z]+|\d|[^\sA-Za-z\d]/g) ?? [];
}

/** Every text fragment the renderers can produce, from which the lexicon is read off. */
function fragments(): string[] {
  const out: string[] = [RESPOND_SYSTEM_PROMPT, "# Inputs:", "0123456789", '## - * ** [ ] , " : . ! ( )'];
  const capitalise = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  for (const category of CATEGORIES) {
    for (let form = 0; form < TASK_FORM_COUNT; form++) out.push(renderTask({ category, form }));
    out.push(...category.items, ...category.items.map(capitalise), ...category.titles);
    const cs: Constraint[] = [
      { kind: "count", n: 1 },
      { kind: "count", n: 2 },
      { kind: "words_max", n: 1 },
      { kind: "words_min", n: 1 },
      ...category.items.flatMap((word): Constraint[] => [
        { kind: "include", word },
        { kind: "exclude", word },
        ...NOTES.map((note): Constraint => ({ kind: "example", example: `${capitalise(word)} - ${note}` })),
      ]),
      { kind: "format", format: "json" },
      { kind: "format", format: "bullets" },
      { kind: "format", format: "numbered" },
      { kind: "case", case: "upper" },
      { kind: "case", case: "lower" },
      { kind: "bold" },
      ...OPENING_PHRASES.map((phrase): Constraint => ({ kind: "opening", phrase })),
      ...CLOSING_PHRASES.map((phrase): Constraint => ({ kind: "closing", phrase })),
      ...category.titles.map((title): Constraint => ({ kind: "heading", title })),
    ];
    out.push(...cs.map(renderConstraint));
  }
  out.push(...OPENING_PHRASES, ...CLOSING_PHRASES, ...NOTES, ...FILLERS);
  return out;
}

let cached: string[] | undefined;

/** The sorted token list (each letter token in its written, lower and upper case forms). */
export function worldLexicon(): string[] {
  if (cached) return cached;
  const set = new Set<string>();
  for (const f of fragments()) {
    for (const t of worldTokens(f)) {
      set.add(t);
      set.add(t.toLowerCase());
      set.add(t.toUpperCase());
    }
  }
  cached = [...set].sort();
  return cached;
}
