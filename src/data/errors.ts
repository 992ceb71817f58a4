/**
 * An error in user-supplied data that names where it is: file, 1-based line, and the offending field.
 * Every reader in the project throws this (never a bare JSON.parse or zod error) so that the CLI can print
 * `file:line: field: message` and exit non-zero.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly detail: string,
  ) {
    super(DataError.format(file, line, field, detail));
    this.name = "DataError";
  }

  static format(file: string, line: number | undefined, field: string | undefined, detail: string): string {
    const where = line === undefined ? file : `${file}:${line}`;
    return field ? `${where}: field "${field}": ${detail}` : `${where}: ${detail}`;
  }
}
