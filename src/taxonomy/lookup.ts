import {
  CONSTRAINT_TYPES,
  type ConstraintType,
  type ConstraintTypeName,
  DIMENSIONS,
  type Dimension,
} from "./dimensions.js";

/**
 * Lookups over the taxonomy. Labels that are not among the 26 (the released set has two: `输入格式约束` and a stray
 * `·`) resolve to the `unknown` dimension and are counted, never thrown: a data engine must not crash on a label.
 */

export const UNKNOWN_DIMENSION: Dimension = {
  key: "unknown",
  name: "Unknown",
  // Not one of the paper's types; kept out of CONSTRAINT_TYPES so it never enters prompts.
  type: "Unknown" as ConstraintTypeName,
  label: "",
  description: "A label outside the paper's 26 dimensions.",
  descriptionZh: "不属于论文 26 个维度的标签。",
};

const byName = new Map<string, Dimension>();
const byLabel = new Map<string, Dimension>();
for (const d of DIMENSIONS) {
  byName.set(normaliseName(d.name), d);
  byName.set(normaliseName(d.key), d);
  byLabel.set(d.label, d);
}

/** Case-, space- and hyphen-insensitive English name key ("role playing" == "Role-Playing"). */
function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

/** The dimension with this English name (or key), or undefined. */
export function dimensionByName(name: string): Dimension | undefined {
  return byName.get(normaliseName(name));
}

/**
 * The dimension with this Chinese `levels2` label, or undefined. Surrounding whitespace is ignored, and
 * `markdown` is matched case-insensitively (the released label is lower-case; users write "Markdown").
 */
export function dimensionByLabel(label: string): Dimension | undefined {
  const trimmed = label.trim();
  return byLabel.get(trimmed) ?? byLabel.get(trimmed.replace(/^markdown/i, "markdown"));
}

/** A dimension by label or English name, whichever matches. */
export function findDimension(labelOrName: string): Dimension | undefined {
  return dimensionByLabel(labelOrName) ?? dimensionByName(labelOrName);
}

/**
 * The dimension a structurer's tag names, in any of the spellings a model writes: the `levels2` label (数值约束), the
 * English name (Numerical), and the paper's Table 6 names with the "Constraint" suffix ("Numerical Constraint",
 * "Numerical Constraints", "numerical-constraint"), Chinese without the suffix (数值) and with the variant 模板 for 模版.
 */
export function findDimensionTag(tag: string): Dimension | undefined {
  const t = tag.trim();
  const direct = findDimension(t);
  if (direct) return direct;
  const english = t.replace(/[\s_-]*constraints?$/i, "");
  if (english !== t && english !== "") {
    const d = dimensionByName(english);
    if (d) return d;
  }
  const zh = t.replaceAll("模板", "模版");
  return dimensionByLabel(zh) ?? dimensionByLabel(zh.endsWith("约束") ? zh : `${zh}约束`);
}

export function constraintType(name: string): ConstraintType | undefined {
  return CONSTRAINT_TYPES.find((t) => t.name.toLowerCase() === name.trim().toLowerCase());
}

/**
 * Resolves labels to dimensions and counts the ones it could not place (label -> occurrences), so that callers
 * can report "2 unknown labels" instead of failing.
 */
export class LabelResolver {
  readonly unknown = new Map<string, number>();

  resolve(label: string): Dimension {
    const d = findDimension(label);
    if (d) return d;
    this.unknown.set(label, (this.unknown.get(label) ?? 0) + 1);
    return UNKNOWN_DIMENSION;
  }

  get unknownCount(): number {
    let n = 0;
    for (const c of this.unknown.values()) n += c;
    return n;
  }

  /** One warning line per unknown label, e.g. `unknown constraint label "·" (1 occurrence) counted as unknown`. */
  warnings(): string[] {
    return [...this.unknown.entries()].map(
      ([label, n]) =>
        `unknown constraint label ${JSON.stringify(label)} (${n} occurrence${n === 1 ? "" : "s"}) counted as "unknown"`,
    );
  }
}
