import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writePathError } from "./path-error.js";

/**
 * Write a whole file so that readers (and a rerun after a crash) see either the old content or the new one,
 * never half of it: write to a temporary sibling `.NAME.PID.TIME.tmp`, fsync, then rename over the target.
 *
 * On every failure path (open, write, fsync, close, rename) the temporary file is removed before the error is
 * thrown, so a failed write leaves nothing behind. A path that cannot be a file (a directory, a parent that is a
 * file, no permission) is reported as a PathError naming the target, not the temporary file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw writePathError(dirname(path), err) ?? err;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    const opened = fd;
    fd = undefined;
    closeSync(opened);
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw writePathError(path, err) ?? err;
  }
}
