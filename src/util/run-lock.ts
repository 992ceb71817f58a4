import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Exclusive ownership of a run's output folder (or output file) for the lifetime of the process that writes it, so
 * that two runs never write into one folder: `acquireRunLock(dir)` creates `dir/.iopo.lock` atomically (it fails
 * if the file exists) holding who owns the folder - pid, host, command, start time - and the lock is released when
 * the run ends: `release()`, or at process exit (normal end, error, process.exit) and on SIGINT / SIGTERM / SIGHUP
 * (released, then the signal is raised again so the exit status stays the signal's). Only SIGKILL or a crash of
 * the machine leaves a lock file behind; the next run recognises it as stale:
 *
 *   - same host, and the holder's pid is not running (or runs another process: the start time of the pid, from
 *     /proc on Linux, differs from the one recorded) -> stale: reported (`onNotice`) and taken over;
 *   - same host, holder alive -> RunLockedError naming the holder (--force-unlock does not override a live run);
 *   - another host (a shared file system): its process cannot be checked from here -> RunLockedError, unless
 *     `forceUnlock` (the user's word that the run is gone), which takes the lock over with a notice.
 *
 * Stale locks are broken under a second exclusive file (`<lock>.breaking`), so that two runs finding the same stale
 * lock never both take it. A lock of an output *file* (`kind: "file"`, e.g. one TRACE stage's `--output`) is
 * `.<name>.iopo.lock` beside the file, so runs writing different files of one folder do not exclude each other.
 */

/** Who holds a lock: the content of the lock file (JSON). */
export interface LockHolder {
  pid: number;
  host: string;
  /** The command line of the holder, as typed (`iopo train -c run.yaml ...`). */
  command: string;
  /** ISO time the lock was taken. */
  started_at: string;
  cwd: string;
  /** Start time of the holder's process in clock ticks since boot (/proc/<pid>/stat field 22; Linux only). */
  proc_start?: string;
  /** Random token: release() removes the lock file only if it still holds this token. */
  token: string;
}

/** The exit code the CLI gives a run refused because another run holds its folder (sysexits' EX_TEMPFAIL). */
export const LOCKED_EXIT_CODE = 75;

/** A run folder held by another (live, or unverifiable) run. */
export class RunLockedError extends Error {
  readonly exitCode = LOCKED_EXIT_CODE;
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
    detail: string,
  ) {
    super(`${lockFile}: ${detail}`);
    this.name = "RunLockedError";
  }
}

export interface RunLock {
  /** The lock file. */
  readonly file: string;
  /** The folder or file it guards. */
  readonly target: string;
  /** Remove the lock file (idempotent; never removes a lock that another run has since taken over). */
  release(): void;
}

export interface AcquireRunLockOptions {
  /** `dir` (default): lock the folder `target` (created if missing); `file`: lock the output file `target`. */
  kind?: "dir" | "file";
  /** Recorded in the lock file (default: `iopo` and this process's arguments). */
  command?: string;
  /** Take over a lock held from another host, or one whose holder cannot be verified (never a live local run). */
  forceUnlock?: boolean;
  /** Told about stale or forced take-overs (the CLI prints it on stderr). */
  onNotice?: (message: string) => void;
}

const LOCK_NAME = ".iopo.lock";

/** The lock file guarding `target`: `<dir>/.iopo.lock`, or `<dir>/.<file>.iopo.lock` for an output file. */
export function lockFileFor(target: string, kind: "dir" | "file" = "dir"): string {
  const abs = resolve(target);
  return kind === "dir" ? join(abs, LOCK_NAME) : join(dirname(abs), `.${basename(abs)}${LOCK_NAME}`);
}

/** The holder recorded in a lock file, or undefined if there is none or it cannot be read. */
export function readLockHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== "number" || typeof h.host !== "string") return undefined;
    return {
      pid: h.pid,
      host: h.host,
      command: String(h.command ?? "?"),
      started_at: String(h.started_at ?? "?"),
      cwd: String(h.cwd ?? "?"),
      proc_start: h.proc_start,
      token: String(h.token ?? ""),
    };
  } catch {
    return undefined;
  }
}

/** "pid 123 on host box since 2025-01-01T00:00:00Z (iopo train -c a.yaml)" */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host} since ${h.started_at} (${h.command})`;
}

/** Start time of a process in clock ticks since boot, from /proc (Linux); undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19]; // field 22 of the whole line: starttime
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `h` (on this host) still runs. */
function holderAlive(h: LockHolder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: a process of another user has that pid; fall through to the start-time check
  }
  if (h.proc_start !== undefined) {
    const now = processStart(h.pid);
    if (now !== undefined && now !== h.proc_start) return false; // the pid was reused by another process
  }
  return true;
}

/** Locks held by this process, released together at exit or on a signal. */
const held = new Set<HeldLock>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

class HeldLock implements RunLock {
  private released = false;
  constructor(
    readonly file: string,
    readonly target: string,
    private readonly token: string,
    /** The folders the lock created (innermost first): removed again on release if the run left them empty. */
    private readonly createdDirs: string[],
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    if (readLockHolder(this.file)?.token === this.token) rmSync(this.file, { force: true });
    // only empty ones: a run that failed before writing anything leaves nothing behind
    for (const dir of this.createdDirs)
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
    if (held.size === 0) uninstallHandlers();
  }
}

function releaseAll(): void {
  for (const l of [...held]) l.release();
}

const onSignal = (signal: NodeJS.Signals) => {
  releaseAll();
  // With our handlers gone, the default action applies again: the process ends by the signal (exit 128 + n).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};
let installed = false;
function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on("exit", releaseAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}
function uninstallHandlers(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", releaseAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * Take the lock of a run folder (or output file) for this process. Throws RunLockedError when another run holds
 * it (see the module comment for stale locks). Release it with `release()`; it is released at exit regardless.
 */
export function acquireRunLock(target: string, options: AcquireRunLockOptions = {}): RunLock {
  const kind = options.kind ?? "dir";
  const file = lockFileFor(target, kind);
  const first = mkdirSync(dirname(file), { recursive: true });
  const createdDirs: string[] = [];
  for (let d = dirname(file); first !== undefined && d.length >= first.length; d = dirname(d)) createdDirs.push(d);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: options.command ?? ["iopo", ...process.argv.slice(2)].join(" "),
    started_at: new Date().toISOString(),
    cwd: process.cwd(),
    proc_start: processStart(process.pid),
    token: randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, me)) {
      const lock = new HeldLock(file, resolve(target), me.token, createdDirs);
      held.add(lock);
      installHandlers();
      return lock;
    }
    const holder = readLockHolder(file);
    if (holder === undefined) {
      if (!exists(file)) continue; // released meanwhile: try again
      // Unreadable: a lock being written right now (a moment), or a damaged file.
      if (ageMs(file) < 5000) {
        sleepMs(100);
        continue;
      }
      if (!options.forceUnlock)
        throw new RunLockedError(
          file,
          undefined,
          "a lock file that cannot be read; if no run uses this folder, rerun with --force-unlock",
        );
      breakLock(file, undefined, options.onNotice, "an unreadable lock file was removed (--force-unlock)");
      continue;
    }
    if (holder.pid === process.pid && holder.host === me.host)
      throw new RunLockedError(file, holder, "this process already holds this run's lock");
    if (holder.host === me.host) {
      if (holderAlive(holder))
        throw new RunLockedError(
          file,
          holder,
          `in use by another run: ${describeHolder(holder)}; wait for it to finish or stop it (kill ${holder.pid})`,
        );
      breakLock(
        file,
        holder,
        options.onNotice,
        `stale lock of ${describeHolder(holder)} removed: that process is gone`,
      );
      continue;
    }
    if (!options.forceUnlock)
      throw new RunLockedError(
        file,
        holder,
        `in use by a run on another host: ${describeHolder(holder)}; its process cannot be checked from ${me.host}. ` +
          "If that run is gone, rerun with --force-unlock",
      );
    breakLock(file, holder, options.onNotice, `lock of ${describeHolder(holder)} taken over (--force-unlock)`);
  }
  throw new RunLockedError(file, readLockHolder(file), "could not take the lock (it kept changing hands); try again");
}

/** Create `file` with `h` only if it does not exist: written to a private file first, then hard-linked into place. */
function createExclusive(file: string, h: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${h.token}.tmp`;
  const fd = openSync(tmp, "wx");
  try {
    writeSync(fd, `${JSON.stringify(h, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file); // atomic, and fails with EEXIST: the complete content appears at once, or not at all
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
    // A file system without hard links: O_EXCL create (a reader may see it empty for a moment: handled above).
    try {
      const fd2 = openSync(file, "wx");
      try {
        writeSync(fd2, `${JSON.stringify(h, null, 2)}\n`);
        fsyncSync(fd2);
      } finally {
        closeSync(fd2);
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Remove a stale lock, once: under `<lock>.breaking` (exclusive), and only if the lock file still holds the holder
 * that was judged stale (another run may have broken it and taken the folder meanwhile).
 */
function breakLock(
  file: string,
  holder: LockHolder | undefined,
  onNotice: ((message: string) => void) | undefined,
  notice: string,
): void {
  const guard = `${file}.breaking`;
  let fd: number;
  try {
    fd = openSync(guard, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    if (ageMs(guard) > 10_000)
      rmSync(guard, { force: true }); // left by a run killed while breaking a lock
    else sleepMs(100);
    return;
  }
  try {
    const now = readLockHolder(file);
    if (holder === undefined ? now === undefined : now?.token === holder.token && now.pid === holder.pid) {
      // Renamed aside first so that the removal itself is atomic for the other runs looking at the file.
      const aside = `${file}.${process.pid}.stale`;
      try {
        renameSync(file, aside);
        unlinkSync(aside);
        onNotice?.(`${file}: ${notice}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

function exists(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false }) !== undefined;
}

function ageMs(file: string): number {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? Date.now() - s.mtimeMs : 0;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
