/**
 * The field a responses file keeps each answer in. One name across the project: `response` (what `iopo generate`
 * writes, and what `trace build` and the TRACE/IFEval tools use). Every evaluator also reads `text` (written by
 * `iopo generate` before the names were unified, and by other tools), and ComplexBench its upstream `generated`.
 */
export const RESPONSE_FIELD = "response";

/** Alternative names of the response field, in the order they are looked up when `field` itself is absent. */
export const RESPONSE_FIELD_ALIASES = ["response", "text", "generated"] as const;

/**
 * A copy of `row` whose `field` holds the response, taken from the first alias present when `field` is absent; any
 * other value is returned unchanged (the schema check then reports what is missing).
 */
export function withResponseField(row: unknown, field: string = RESPONSE_FIELD): unknown {
  if (!row || typeof row !== "object" || Array.isArray(row)) return row;
  const r = row as Record<string, unknown>;
  if (field in r) return row;
  const alias = RESPONSE_FIELD_ALIASES.find((k) => k !== field && k in r);
  return alias === undefined ? row : { ...r, [field]: r[alias] };
}
