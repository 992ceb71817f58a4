import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { DataError } from "../data/errors.js";
import { readJournal } from "../data/jsonl.js";
import { journaledRows } from "../stages/run-files.js";
import { acquireRunLock, type RunLock } from "../util/run-lock.js";

/**
 * What every command that writes a run folder does around its work (one helper, called from each command's action):
 *
 *   - holds the folder's lock for the run's lifetime (src/util/run-lock.ts): a second run into the same folder exits
 *     with EXIT.locked naming the holder; `--force-unlock` takes over a lock from another host whose run is gone;
 *   - says "resuming from ..." on stderr when it continues earlier work (journals, saved responses, a checkpoint);
 *   - refuses to replace a finished evaluation unless `--overwrite` (refuseFinishedRun).
 */

export interface RunFolderFlags {
  forceUnlock?: boolean;
}

/** `--force-unlock`, for a command that writes a run folder. */
export function addForceUnlockOption(cmd: Command): Command {
  return cmd.option(
    "--force-unlock",
    "take over the output folder's lock when its holder cannot be checked (a run on another host that is gone)",
  );
}

/** Take the lock of the run folder `target` (or of the output file `target`, kind "file"); release() it when done. */
export function lockRunFolder(target: string, flags: RunFolderFlags, kind: "dir" | "file" = "dir"): RunLock {
  return acquireRunLock(target, {
    kind,
    forceUnlock: flags.forceUnlock,
    onNotice: (message) => process.stderr.write(`iopo: ${message}\n`),
  });
}

/** Run `work` holding the lock of the run folder `target` (or of the output file `target`, kind "file"). */
export async function inRunFolder<T>(
  target: string,
  flags: RunFolderFlags,
  work: () => Promise<T>,
  kind: "dir" | "file" = "dir",
): Promise<T> {
  const lock = lockRunFolder(target, flags, kind);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** "resuming from <what>" on stderr, at the start of a command that continues earlier work. */
export function sayResuming(what: string): void {
  process.stderr.write(`resuming from ${what}\n`);
}

/** Say "resuming from <folder> (journaled rows: ...)" when the stage journals in `journalDirs` hold work. */
export function sayResumingJournals(folder: string, journalDirs: readonly string[]): void {
  const stages = journalDirs.flatMap(journaledRows);
  if (stages.length === 0) return;
  sayResuming(`${folder} (journaled rows: ${stages.map((s) => `${s.stage} ${s.rows}`).join(", ")})`);
}

/**
 * Refuse to run into a folder holding a finished evaluation (its `metricsFile`) unless `overwrite`: the new run
 * would replace results that may not be reproducible (another model, another judge).
 */
export function refuseFinishedRun(dir: string, metricsFile: string, overwrite: boolean | undefined): void {
  if (overwrite || !existsSync(join(dir, metricsFile))) return;
  throw new DataError(
    dir,
    undefined,
    undefined,
    `holds a finished evaluation (${metricsFile}): give --overwrite to replace its results, or choose another output folder`,
  );
}

/** `--overwrite`, for an evaluation command. */
export function addOverwriteOption(cmd: Command): Command {
  return cmd.option("--overwrite", "replace the results of a finished evaluation in the output folder");
}

/** Say "resuming from <file> (N responses saved)" when a generation's responses file already holds responses. */
export function sayResumingResponses(file: string): void {
  if (!existsSync(file)) return;
  const n = readJournal(file).length;
  if (n > 0) sayResuming(`${file} (${n} response${n === 1 ? "" : "s"} saved; only the missing prompts are asked)`);
}
