import type { InstructionSpec } from "./instruction.js";

/** A kwarg an instruction cannot be built from (missing, wrong type, unknown name, out of range). */
export class KwargsError extends Error {
  constructor(
    readonly instructionId: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${instructionId}: kwarg "${field}": ${detail}`);
    this.name = "KwargsError";
  }
}

export type Relation = "less than" | "at least";

/**
 * Typed access to one instruction's kwargs. Null values count as absent, so the Hugging Face copy of the data (every
 * kwarg key present, unused ones null) reads the same as the upstream file. A non-null kwarg the instruction does
 * not take is an error, as it is in the reference (a TypeError there).
 */
export class Kwargs {
  constructor(
    private readonly spec: Pick<InstructionSpec, "id" | "kwargNames">,
    private readonly raw: Record<string, unknown>,
  ) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== null && value !== undefined && !spec.kwargNames.includes(name))
        throw new KwargsError(
          spec.id,
          name,
          `not a kwarg of this instruction (takes: ${spec.kwargNames.join(", ") || "none"})`,
        );
    }
  }

  private get(name: string): unknown {
    const v = this.raw[name];
    if (v === null || v === undefined) throw new KwargsError(this.spec.id, name, "is required");
    return v;
  }

  string(name: string): string {
    const v = this.get(name);
    if (typeof v !== "string") throw new KwargsError(this.spec.id, name, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A non-negative integer (the reference's counts and thresholds). */
  count(name: string): number {
    const v = this.get(name);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      throw new KwargsError(this.spec.id, name, `expected a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  }

  stringList(name: string): string[] {
    const v = this.get(name);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string"))
      throw new KwargsError(this.spec.id, name, `expected a non-empty list of strings, got ${JSON.stringify(v)}`);
    return v as string[];
  }

  relation(name: string): Relation {
    const v = this.get(name);
    if (v !== "less than" && v !== "at least")
      throw new KwargsError(this.spec.id, name, `expected "less than" or "at least", got ${JSON.stringify(v)}`);
    return v;
  }
}

/** `actual < threshold` for "less than", `actual >= threshold` for "at least". */
export function compareCount(actual: number, relation: Relation, threshold: number): boolean {
  return relation === "less than" ? actual < threshold : actual >= threshold;
}
