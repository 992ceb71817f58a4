import { deriveSeed, mulberry32 } from "../util/random.js";

/** The three ways appendix D edits x1's constraints into x2's. */
export const OPERATIONS = ["add", "delete", "revise"] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * The operation for one group, drawn uniformly from ADD / DELETE / REVISE. It depends only on (seed, record id),
 * never on processing order or concurrency, so a rerun with the same seed (and cache) gives identical groups.
 * DELETE needs at least two constraints (deleting the only one leaves no constraint at all); single-constraint
 * records draw from ADD / REVISE instead.
 */
export function chooseOperation(seed: number, id: string, constraintCount: number): Operation {
  const rand = mulberry32(deriveSeed(seed, `iopo-operation:${id}`));
  const allowed = constraintCount >= 2 ? OPERATIONS : OPERATIONS.filter((o) => o !== "delete");
  return allowed[Math.floor(rand() * allowed.length)];
}
