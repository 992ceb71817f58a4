import { DataError } from "../data/errors.js";
import { readUtf8 } from "../data/jsonl.js";
import type { TokenUsage } from "./types.js";

/** USD per 1 million tokens. */
export interface Price {
  input: number;
  output: number;
}

/**
 * A small built-in table of list prices (USD per 1M tokens, standard tier, as published by OpenAI in 2025). Prices
 * change and self-hosted endpoints cost what your hardware costs: override with --price-input/--price-output or a JSON
 * price file. Models not found cost 0 and are reported as unpriced.
 */
export const BUILTIN_PRICES: Readonly<Record<string, Price>> = {
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "o4-mini": { input: 1.1, output: 4.4 },
};

export interface PriceOptions {
  /** Price for every model, USD per 1M input tokens (--price-input). Needs `output` too. */
  input?: number;
  /** USD per 1M output tokens (--price-output). */
  output?: number;
  /** Per-model table (from a JSON price file), consulted before the built-in one. */
  table?: Record<string, Price>;
}

export interface ResolvedPrice {
  price: Price;
  /** False when the model is in no table: its cost is reported as 0. */
  known: boolean;
  source: "option" | "file" | "builtin" | "unknown";
}

/**
 * The price of a model: explicit --price-input/--price-output first, then the price file, then the built-in table.
 * Lookup tries the exact name, then the name without a provider prefix ("openai/gpt-4o"), then the longest table
 * entry the name starts with followed by "-" (dated snapshots such as "gpt-4o-2024-08-06").
 */
export function resolvePrice(model: string, options: PriceOptions = {}): ResolvedPrice {
  if (options.input !== undefined || options.output !== undefined) {
    if (options.input === undefined || options.output === undefined) {
      throw new Error("give both --price-input and --price-output (USD per 1M tokens)");
    }
    checkPrice("--price-input", options.input);
    checkPrice("--price-output", options.output);
    return { price: { input: options.input, output: options.output }, known: true, source: "option" };
  }
  if (options.table) {
    const found = lookup(model, options.table);
    if (found) return { price: found, known: true, source: "file" };
  }
  const builtin = lookup(model, BUILTIN_PRICES);
  if (builtin) return { price: builtin, known: true, source: "builtin" };
  return { price: { input: 0, output: 0 }, known: false, source: "unknown" };
}

function lookup(model: string, table: Readonly<Record<string, Price>>): Price | undefined {
  const names = [model];
  const slash = model.lastIndexOf("/");
  if (slash >= 0) names.push(model.slice(slash + 1));
  for (const name of names) {
    if (Object.hasOwn(table, name)) return table[name];
  }
  for (const name of names) {
    let best: string | undefined;
    for (const key of Object.keys(table)) {
      if (name.startsWith(`${key}-`) && (!best || key.length > best.length)) best = key;
    }
    if (best) return table[best];
  }
  return undefined;
}

/** Cost in USD of the given token counts. */
export function costUsd(usage: TokenUsage, price: Price): number {
  return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000;
}

/**
 * Read a price file: a JSON object `{ "<model>": { "input": <USD per 1M>, "output": <USD per 1M> }, ... }`.
 * Errors name the file and the offending field.
 */
export function loadPriceFile(path: string): Record<string, Price> {
  const text = readUtf8(path, 'a JSON price file {"<model>": {"input": n, "output": n}}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataError(path, undefined, undefined, `not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new DataError(path, undefined, undefined, 'expected an object {"<model>": {"input": n, "output": n}}');
  }
  const table: Record<string, Price> = {};
  for (const [model, value] of Object.entries(parsed as Record<string, unknown>)) {
    const v = value as Partial<Price> | null;
    for (const side of ["input", "output"] as const) {
      const n = v?.[side];
      if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
        throw new DataError(path, undefined, `${model}.${side}`, "expected a non-negative number (USD per 1M tokens)");
      }
    }
    table[model] = { input: v!.input!, output: v!.output! };
  }
  return table;
}

function checkPrice(flag: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} must be a non-negative number (got ${value})`);
}
