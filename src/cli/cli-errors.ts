import type { Command } from "commander";
import { DataError } from "../data/errors.js";

/**
 * Run a command action so that user mistakes end as one clear line and a non-zero exit: DataErrors go to
 * main() (file:line: field: message, exit 2); other errors become commander errors (exit 1) without a stack.
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof DataError) throw err;
      const cmd = args[args.length - 1] as Command;
      cmd.error(`iopo ${cmd.name()}: ${(err as Error).message}`, { exitCode: 1 });
    }
  };
}
