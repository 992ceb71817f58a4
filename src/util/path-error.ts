import { mkdirSync, statSync } from "node:fs";

/**
 * A path given by the user that cannot be used as what it was meant for: a directory where a file is to be written,
 * a file where a folder is needed, a location without write permission. The message names the path and what was
 * expected; the CLI reports it as bad input (exit code 2), like a DataError.
 */
export class PathError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
    this.name = "PathError";
  }
}

/**
 * The PathError for a failed write of `path`, when the system error says the path itself is unusable; undefined for
 * other failures (disk full, I/O error), which stay runtime failures.
 */
export function writePathError(path: string, err: unknown): PathError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EISDIR":
      return new PathError(path, "is a directory, expected a file path to write", { cause: err });
    case "ENOTDIR":
    case "EEXIST":
      return new PathError(path, "a file is in the way: a parent of this path is not a directory", { cause: err });
    case "EACCES":
    case "EPERM":
      return new PathError(path, "permission denied: cannot write here", { cause: err });
    case "EROFS":
      return new PathError(path, "read-only file system: cannot write here", { cause: err });
    default:
      return undefined;
  }
}

/** Create a folder (and its parents); a file in the way is a PathError naming the path. */
export function ensureDir(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new PathError(path, "is a file, expected a folder");
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw writePathError(path, err) ?? err;
  }
}

/**
 * Check before any work that `path` can be written as a file: not a directory. (Whether its folder is writable is
 * found when it is written; writeFileAtomic names the path then.)
 */
export function assertFilePath(path: string): void {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw new PathError(path, "is a directory, expected a file path to write");
}
