import { pick, type Rand, randFor, shuffled } from "../util/random.js";
import { CONSTRAINT_KINDS, type Constraint, type ConstraintKind, KIND_DIMENSION } from "./constraint.js";
import { renderProse, type WorldInstruction } from "./instruction.js";
import { respond } from "./responder.js";
import { countAsciiWords } from "./response-analysis.js";
import { candidateItems, TASK_FORM_COUNT, type Task } from "./task.js";
import { CATEGORIES, CLOSING_PHRASES, NOTES, OPENING_PHRASES } from "./vocabulary.js";

/**
 * Seeded generators of world tasks, seed instructions and constraint sets. A generated set is satisfiable (the
 * responder's answer passes every checker) unless a contradiction was asked for; then it holds exactly one
 * conflicting pair (upper vs lower case, include vs exclude the same word, two formats, two counts, a minimum
 * length above the maximum), which the world's redundancy judge must catch.
 */

export function generateTask(rand: Rand): Task {
  const category = pick(CATEGORIES, rand);
  const form = Math.floor(rand() * TASK_FORM_COUNT);
  const task: Task = { category, form };
  if (form === TASK_FORM_COUNT - 1) {
    task.pool = shuffled(category.items, rand).slice(0, 6 + Math.floor(rand() * 3));
  }
  return task;
}

/** `n` seed rows `{id, instruction}`: simple tasks without constraints, for `trace build`. */
export function generateSeeds(n: number, seed: number): { id: string; instruction: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const task = generateTask(randFor(`seed-task:${seed}:${i}`));
    return { id: `world-${String(i + 1).padStart(4, "0")}`, instruction: renderProse({ task, constraints: [] }) };
  });
}

/** Kinds that realise the given TRACE dimensions (English names); unknown dimensions contribute nothing. */
export function kindsForDimensions(dimensions: readonly string[]): ConstraintKind[] {
  const wanted = new Set(dimensions.map((d) => d.toLowerCase()));
  return CONSTRAINT_KINDS.filter((k) => wanted.has(KIND_DIMENSION[k].toLowerCase()));
}

const capitalise = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** A value for one constraint kind, given the task and the constraints drawn so far (undefined: none fits). */
function draw(kind: ConstraintKind, task: Task, sofar: readonly Constraint[], rand: Rand): Constraint | undefined {
  const items = candidateItems(task);
  const used = new Set(sofar.flatMap((c) => (c.kind === "include" || c.kind === "exclude" ? [c.word] : [])));
  const free = items.filter((w) => !used.has(w));
  const includes = sofar.filter((c) => c.kind === "include").length;
  const excludes = sofar.filter((c) => c.kind === "exclude").length;
  switch (kind) {
    case "count": {
      const max = Math.min(6, items.length - excludes);
      const min = Math.max(2, includes);
      return max < min ? undefined : { kind, n: min + Math.floor(rand() * (max - min + 1)) };
    }
    case "words_max":
    case "words_min": {
      // Bounds relative to what an answer without them takes, so the set stays satisfiable.
      const base = countAsciiWords(respond({ task, constraints: [...sofar] }, "bound").text);
      if (kind === "words_max") return { kind, n: Math.ceil((base + 3 + rand() * 12) / 5) * 5 };
      return { kind, n: Math.ceil((base + 8 + rand() * 25) / 5) * 5 };
    }
    case "include": {
      const count = sofar.find((c) => c.kind === "count");
      if (free.length === 0 || (count && count.kind === "count" && includes >= count.n)) return undefined;
      return { kind, word: pick(free, rand) };
    }
    case "exclude":
      return free.length <= 3 ? undefined : { kind, word: pick(free, rand) };
    case "format":
      return { kind, format: pick(["json", "bullets", "numbered"] as const, rand) };
    case "case":
      return { kind, case: rand() < 0.5 ? "upper" : "lower" };
    case "bold":
      return { kind };
    case "opening":
      return { kind, phrase: pick(OPENING_PHRASES, rand) };
    case "closing":
      return { kind, phrase: pick(CLOSING_PHRASES, rand) };
    case "heading":
      return { kind, title: pick(task.category.titles, rand) };
    case "example": {
      const other = pick(
        CATEGORIES.filter((c) => c !== task.category),
        rand,
      );
      return { kind, example: `${capitalise(pick(other.items, rand))} - ${pick(NOTES, rand)}` };
    }
  }
}

/** Length bounds go last: they are measured on an answer to everything else. */
const ORDER_LAST: ConstraintKind[] = ["words_max", "words_min"];

export interface ConstraintSetOptions {
  /** Kinds to draw first (e.g. from the dimensions the B.1 prompt suggests). */
  prefer?: readonly ConstraintKind[];
  /** Add one deliberately contradictory pair. */
  contradiction?: boolean;
  /** Constraints the instruction already has: kept first, new ones are drawn to fit them. */
  base?: readonly Constraint[];
}

/**
 * `count` constraints for `task`, kinds distinct except include/exclude (at most two each), one length bound at
 * most. Satisfiable by construction and verified with the responder (redrawn when not).
 */
export function generateConstraints(
  task: Task,
  count: number,
  rand: Rand,
  opts: ConstraintSetOptions = {},
): Constraint[] {
  const want = opts.contradiction ? Math.max(1, count - 1) : count;
  const base = opts.base ?? [];
  // A base that is already unsatisfiable cannot be repaired by adding constraints: then do not insist.
  const verify = respond({ task, constraints: [...base] }, "verify").failed.length === 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const taken = new Set<ConstraintKind>(base.map((c) => c.kind).filter((k) => k !== "include" && k !== "exclude"));
    const prefer = shuffled(
      (opts.prefer ?? []).filter((k) => !taken.has(k)),
      rand,
    );
    const rest = shuffled(
      CONSTRAINT_KINDS.filter((k) => !prefer.includes(k) && !taken.has(k)),
      rand,
    );
    const kinds = [...new Set([...prefer, ...rest, "include", "exclude"] as ConstraintKind[])];
    const chosen: ConstraintKind[] = [];
    for (const k of kinds) {
      if (chosen.length >= want) break;
      if (ORDER_LAST.includes(k) && [...chosen, ...taken].some((c) => ORDER_LAST.includes(c))) continue;
      chosen.push(k);
    }
    if (chosen.length < want) chosen.push(...(["include", "exclude"] as const).slice(0, want - chosen.length));
    const ordered = [...chosen.filter((k) => !ORDER_LAST.includes(k)), ...chosen.filter((k) => ORDER_LAST.includes(k))];
    const set: Constraint[] = [...base];
    for (const k of ordered) {
      const c = draw(k, task, set, rand);
      if (c) set.push(c);
    }
    if (set.length < base.length + want) continue;
    if (verify && respond({ task, constraints: set }, "verify").failed.length > 0) continue;
    const shuffledSet = [...base, ...shuffled(set.slice(base.length), rand)];
    return opts.contradiction ? withContradiction(shuffledSet, rand) : shuffledSet;
  }
  throw new Error(`world: could not draw ${count} satisfiable constraints for "${task.category.plural}"`);
}

/** The constraint that contradicts `c`, when its kind has one. */
export function contradictionOf(c: Constraint): Constraint | undefined {
  switch (c.kind) {
    case "case":
      return { kind: "case", case: c.case === "upper" ? "lower" : "upper" };
    case "include":
      return { kind: "exclude", word: c.word };
    case "exclude":
      return { kind: "include", word: c.word };
    case "format":
      return { kind: "format", format: c.format === "json" ? "numbered" : "json" };
    case "count":
      return { kind: "count", n: c.n + 2 };
    case "words_max":
      return { kind: "words_min", n: c.n + 20 };
    case "words_min":
      return { kind: "words_max", n: Math.max(1, c.n - 20) };
    case "opening":
      return { kind: "opening", phrase: OPENING_PHRASES.find((p) => p !== c.phrase) ?? "Hello." };
    case "closing":
      return { kind: "closing", phrase: CLOSING_PHRASES.find((p) => p !== c.phrase) ?? "Bye." };
    default:
      return undefined;
  }
}

/** `set` plus one constraint contradicting a member (if no member has a contradiction, the last becomes a case). */
function withContradiction(set: Constraint[], rand: Rand): Constraint[] {
  const base = set.some((c) => contradictionOf(c))
    ? set
    : [...set.slice(0, -1), { kind: "case", case: "upper" } as Constraint];
  const target = pick(
    base.filter((c) => contradictionOf(c)),
    rand,
  );
  const at = Math.floor(rand() * (base.length + 1));
  return [...base.slice(0, at), contradictionOf(target)!, ...base.slice(at)];
}

/** A whole random instruction (task + constraints), e.g. for held-out evaluation sets. */
export function generateInstruction(key: string, count: number, opts: ConstraintSetOptions = {}): WorldInstruction {
  const rand = randFor(`instruction:${key}`);
  const task = generateTask(rand);
  return { task, constraints: generateConstraints(task, count, rand, opts) };
}
