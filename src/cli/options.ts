import { InvalidArgumentError } from "commander";
import { LOCKED_EXIT_CODE } from "../util/run-lock.js";

/**
 * Exit codes of `iopo`, for every command (main() maps each way a command can end onto one of them):
 *
 *   0    ok           the command did its job (also --help and --version)
 *   1    failure      a runtime failure: an endpoint, model or file system call failed, a budget ran out, or a job
 *                     kept nothing because its calls failed; rerunning may succeed (journals and caches resume)
 *   2    usage        bad command line (unknown flag, bad flag value or combination, missing argument) or bad
 *                     input data (a file that is missing or unreadable, a row that fails validation:
 *                     file:line: field: message); nothing was run - fix the input first
 *   75   locked       the output folder is in use by another run (its lock file names the holder: pid, host,
 *                     command, start time); nothing was run - wait for that run, or see --force-unlock
 *                     (sysexits' EX_TEMPFAIL: try again later)
 *   130  interrupted  stopped by Ctrl-C (SIGINT): the signal's exit, as the shell reports it (128 + 2); iopo's
 *                     only handler releases the run folder's lock and raises the signal again, and finished rows
 *                     stay journaled for a rerun
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, locked: LOCKED_EXIT_CODE, interrupted: 130 } as const;

/**
 * The one error type for a command line that cannot run as given: thrown by the option parsers below (commander
 * prints it after the option name) and by command actions for bad flag combinations (main() prints it with the
 * command's name). Exits with EXIT.usage either way.
 */
export class UsageError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
    this.exitCode = EXIT.usage;
  }
}

const INTEGER = /^[-+]?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Parser of an integer flag value for commander's `.option(flags, description, parser, default)`: plain decimal
 * digits only (no "1e3", "0x10", "1.5", blanks or empty string), within [min, max]. Throws UsageError.
 */
export function intOption(range: { min: number; max?: number }): (value: string) => number {
  const { min, max } = range;
  const expected = `expected an integer ${max === undefined ? `>= ${min}` : `in [${min}, ${max}]`}`;
  return (value: string) => {
    const n = Number(value);
    if (!INTEGER.test(value) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max))
      throw new UsageError(expected);
    return n;
  };
}

/** Parser of a decimal number flag value ("0.5", "1e-5", ".5"; no "Infinity", hex or blanks) within [min, max]. */
export function floatOption(range: { min?: number; max?: number } = {}): (value: string) => number {
  const { min, max } = range;
  const expected =
    min !== undefined && max !== undefined
      ? `expected a number in [${min}, ${max}]`
      : min !== undefined
        ? `expected a number >= ${min}`
        : max !== undefined
          ? `expected a number <= ${max}`
          : "expected a number";
  return (value: string) => {
    const n = Number(value);
    if (!DECIMAL.test(value) || !Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max))
      throw new UsageError(expected);
    return n;
  };
}
