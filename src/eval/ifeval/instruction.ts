/** One IFEval instruction, built from its kwargs: a description and a verdict on a response. */
export interface Instruction {
  /** The instruction id, e.g. "keywords:existence". */
  readonly id: string;
  /** What the instruction asks of the response, with its kwargs filled in. */
  readonly description: string;
  /** True when `response` follows the instruction (the reference's `check_following`). */
  check(response: string): boolean;
}

/** Settings shared by all checkers of a run. */
export interface BuildContext {
  /** Seed of the language detector's random draws (the reference leaves it unseeded; 0 here by default). */
  langdetectSeed: number;
}

export const DEFAULT_BUILD_CONTEXT: BuildContext = { langdetectSeed: 0 };

/** A checker type: its id, the kwargs it takes, and how to build a fresh checker from them. */
export interface InstructionSpec {
  readonly id: string;
  readonly kwargNames: readonly string[];
  build(kwargs: Record<string, unknown>, context?: BuildContext): Instruction;
}
