import type { RuleVerdict } from "./con-rule.js";
import type { ComplexbenchRecord } from "./record.js";

/**
 * DRFR and its breakdowns as upstream `evaluation/aggregation.py`.
 *
 * Dependency masking uses each question's direct `dep` list on the UNMASKED verdicts (no transitive chains):
 * r'_ij = r_ij AND r_id for d in dep_ij. DRFR = sum r' / number of questions (micro average).
 *
 * A rule verdict of 2 (unknown rule) is kept as 2 and, exactly as upstream's Python comparisons do:
 * - does not mask its dependents (`2 == False` is false);
 * - counts as NOT followed in the overall, category, task-type and composition DRFR (`2 == True` is false);
 * - counts as followed in the constraint-dimension/type breakdowns (`if 2:` is truthy) and the coherent test
 *   (`q == False` is false).
 * The count of 2s is reported so that this never goes unnoticed.
 */
export type PointVerdict = RuleVerdict;

export interface ScoredRecord {
  record: ComplexbenchRecord;
  verdicts: PointVerdict[];
}

export function applyDependencies(record: ComplexbenchRecord, verdicts: readonly PointVerdict[]): PointVerdict[] {
  const rely = [...verdicts];
  record.scoring_questions.forEach((q, i) => {
    for (const d of q.dep) if (verdicts[d] === false) rely[i] = false;
  });
  return rely;
}

const LEXICAL = ["Word Matching", "Keywords"];
const STRUCTURE = [
  "JSON Format",
  "Markdown Format",
  "Bullets Format",
  "Length",
  "Start with",
  "End with",
  "Punctuation",
  "Template",
];
const SEMANTIC = ["Language Style", "Personalization", "Topic", "Sentiment"];
const UTILITY = ["Helpfulness", "Target Language", "Supportiveness", "Consistency", "Factuality"];

/** Constraint type of a dimension; "Utillity" is upstream's spelling, kept so keys match its reports. */
export function constraintType(dimension: string): string {
  if (LEXICAL.includes(dimension)) return "Lexical";
  if (STRUCTURE.includes(dimension)) return "Structure";
  if (SEMANTIC.includes(dimension)) return "Semantic";
  if (UTILITY.includes(dimension)) return "Utillity";
  return "Others";
}

export interface ComplexbenchMetrics {
  overall_drfr: number | null;
  categorized_drfr: Record<string, number>;
  categorized_avg_drfr: Record<string, number>;
  task_types_drfr: Record<string, number>;
  nested_methods_drfr: Record<string, number>;
  constraint_types_and_composition_types_acc: Record<string, number>;
  each_constraint_dimensions_and_composition_types_acc: Record<string, number>;
  single_origin_test: number | null;
  single_coherent_test: number | null;
  single_relative_drop: number | null;
  multiple_origin_test: number | null;
  multiple_coherent_test: number | null;
  multiple_relative_drop: number | null;
  questions: number;
  followed: number;
  unknown_rule_verdicts: number;
}

class Ratio {
  private cnt = new Map<string, number>();
  private acc = new Map<string, number>();
  add(key: string, n: number, ok: number): void {
    this.cnt.set(key, (this.cnt.get(key) ?? 0) + n);
    this.acc.set(key, (this.acc.get(key) ?? 0) + ok);
  }
  result(sorted: boolean): Record<string, number> {
    const keys = [...this.cnt.keys()];
    if (sorted) keys.sort();
    return Object.fromEntries(keys.map((k) => [k, (this.acc.get(k) ?? 0) / this.cnt.get(k)!]));
  }
}

const div = (a: number, b: number) => (b === 0 ? null : a / b);

export function aggregateComplexbench(scored: readonly ScoredRecord[]): ComplexbenchMetrics {
  const types = new Ratio();
  const each = new Ratio();
  const cats = new Ratio();
  const catsAvg = new Ratio();
  const tasks = new Ratio();
  const nested = new Ratio();
  let followed = 0;
  let total = 0;
  let unknown = 0;
  const relies = scored.map((s) => applyDependencies(s.record, s.verdicts));
  scored.forEach(({ record, verdicts }, n) => {
    const rely = relies[n];
    unknown += verdicts.filter((v) => v === 2).length;
    record.scoring_questions.forEach((q, i) => {
      const truthy = rely[i] ? 1 : 0;
      for (const c of q.constraint_dimensions) {
        types.add(constraintType(c), 1, truthy);
        each.add(c, 1, truthy);
      }
      for (const c of q.composition_types) {
        types.add(c, 1, truthy);
        each.add(c, 1, truthy);
      }
    });
    const ok = rely.filter((v) => v === true).length;
    const nq = record.scoring_questions.length;
    const nestedMethod = [...record.composition_types].sort().join("_");
    cats.add(record.category, nq, ok);
    catsAvg.add(record.category.split("_")[0], nq, ok);
    tasks.add(record.task_types, nq, ok);
    nested.add(nestedMethod, nq, ok);
    followed += ok;
    total += rely.length;
  });

  // Coherent test over Selection groups: "single" if the group's first record has one Selection question.
  const groups = new Map<string, number[]>();
  scored.forEach((s, i) => {
    if (s.record.group === undefined) return;
    const g = groups.get(s.record.group) ?? [];
    g.push(i);
    groups.set(s.record.group, g);
  });
  const tally = {
    1: { groups: 0, groupsOk: 0, records: 0, recordsOk: 0 },
    2: { groups: 0, groupsOk: 0, records: 0, recordsOk: 0 },
  };
  for (const members of groups.values()) {
    const depth = scored[members[0]].record.scoring_questions.filter((q) =>
      q.composition_types.includes("Selection"),
    ).length;
    if (depth === 0) continue;
    const t = tally[depth === 1 ? 1 : 2];
    t.groups++;
    let all = true;
    for (const m of members) {
      t.records++;
      const fine = relies[m].every((v) => v !== false);
      if (fine) t.recordsOk++;
      else all = false;
    }
    if (all) t.groupsOk++;
  }
  const origin1 = div(tally[1].recordsOk, tally[1].records);
  const coherent1 = div(tally[1].groupsOk, tally[1].groups);
  const origin2 = div(tally[2].recordsOk, tally[2].records);
  const coherent2 = div(tally[2].groupsOk, tally[2].groups);
  const drop = (o: number | null, c: number | null) => (o === null || c === null || o === 0 ? null : (o - c) / o);
  return {
    overall_drfr: div(followed, total),
    categorized_drfr: cats.result(true),
    categorized_avg_drfr: catsAvg.result(true),
    task_types_drfr: tasks.result(false),
    nested_methods_drfr: nested.result(true),
    constraint_types_and_composition_types_acc: types.result(false),
    each_constraint_dimensions_and_composition_types_acc: each.result(false),
    single_origin_test: origin1,
    single_coherent_test: coherent1,
    single_relative_drop: drop(origin1, coherent1),
    multiple_origin_test: origin2,
    multiple_coherent_test: coherent2,
    multiple_relative_drop: drop(origin2, coherent2),
    questions: total,
    followed,
    unknown_rule_verdicts: unknown,
  };
}
