import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  acquireRunLock,
  type LockHolder,
  lockFileFor,
  RunLockedError,
  readLockHolder,
} from "../../src/util/run-lock.js";

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-lock-"));

/** A pid that certainly names no process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

function writeLock(dir: string, over: Partial<LockHolder>): string {
  const file = lockFileFor(dir);
  const holder: LockHolder = {
    pid: process.ppid,
    host: hostname(),
    command: "iopo train -c other.yaml",
    started_at: "2024-01-01T00:00:00.000Z",
    cwd: "/somewhere",
    token: "feedfacefeedface",
    ...over,
  };
  writeFileSync(file, JSON.stringify(holder));
  return file;
}

function lockedError(fn: () => unknown): RunLockedError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RunLockedError);
    return err as RunLockedError;
  }
  throw new Error("expected RunLockedError");
}

describe("run-folder lock", () => {
  it("holds pid, host, command and start time while held; released by release(); a second take is refused", () => {
    const dir = tmp();
    const lock = acquireRunLock(dir, { command: "iopo test" });
    const h = readLockHolder(lock.file)!;
    expect(h).toMatchObject({ pid: process.pid, host: hostname(), command: "iopo test", cwd: process.cwd() });
    expect(Date.parse(h.started_at)).toBeGreaterThan(Date.now() - 60_000);
    // the same process again: refused too (a run never writes one folder twice at once)
    expect(lockedError(() => acquireRunLock(dir)).message).toMatch(/already holds/);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    lock.release(); // idempotent
    acquireRunLock(dir).release();
  });

  it("a lock held by a live process on this host is refused naming it, even with forceUnlock", () => {
    const dir = tmp();
    const file = writeLock(dir, { pid: process.ppid });
    for (const forceUnlock of [false, true]) {
      const err = lockedError(() => acquireRunLock(dir, { forceUnlock }));
      expect(err.message).toContain(`pid ${process.ppid} on host ${hostname()}`);
      expect(err.message).toContain("iopo train -c other.yaml");
      expect(err.exitCode).toBe(75);
    }
    expect(readLockHolder(file)?.token).toBe("feedfacefeedface");
  });

  it("a stale lock (its process is gone, or its pid now runs another process) is reported and taken over", () => {
    for (const over of [{ pid: deadPid() }, { pid: process.ppid, proc_start: "1" }]) {
      const dir = tmp();
      writeLock(dir, over);
      const notices: string[] = [];
      const lock = acquireRunLock(dir, { onNotice: (m) => notices.push(m) });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(new RegExp(`stale lock of pid ${over.pid} .* removed: that process is gone`));
      expect(readLockHolder(lock.file)?.pid).toBe(process.pid);
      lock.release();
    }
  });

  it("a lock from another host needs forceUnlock, which takes it over with a notice", () => {
    const dir = tmp();
    writeLock(dir, { host: "gpu-node-7", pid: 4242 });
    const err = lockedError(() => acquireRunLock(dir));
    expect(err.message).toMatch(/pid 4242 on host gpu-node-7 .*--force-unlock/);
    const notices: string[] = [];
    const lock = acquireRunLock(dir, { forceUnlock: true, onNotice: (m) => notices.push(m) });
    expect(notices.join()).toMatch(/lock of pid 4242 on host gpu-node-7 .* taken over \(--force-unlock\)/);
    lock.release();
  });

  it("release() never removes a lock another run has taken over meanwhile", () => {
    const dir = tmp();
    const lock = acquireRunLock(dir);
    writeLock(dir, { host: "elsewhere" }); // as if --force-unlock from another host took it
    lock.release();
    expect(readLockHolder(lock.file)?.host).toBe("elsewhere");
  });

  it("an output file's lock sits beside it, so two files of one folder do not exclude each other", () => {
    const dir = tmp();
    const a = acquireRunLock(join(dir, "a.jsonl"), { kind: "file" });
    const b = acquireRunLock(join(dir, "b.jsonl"), { kind: "file" });
    expect(a.file).toBe(join(dir, ".a.jsonl.iopo.lock"));
    expect(lockedError(() => acquireRunLock(join(dir, "a.jsonl"), { kind: "file" })).lockFile).toBe(a.file);
    a.release();
    b.release();
  });

  it("is released when the process ends by an error, by SIGTERM or by SIGINT (and the exit status stays the signal's)", () => {
    const src = join(import.meta.dirname, "..", "..", "src", "util", "run-lock.ts");
    for (const [how, code, signal] of [
      ["throw new Error('boom')", 1, null],
      ["process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000)", null, "SIGTERM"],
      ["process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 5000)", null, "SIGINT"],
    ] as const) {
      const dir = tmp();
      const script = `import { acquireRunLock } from ${JSON.stringify(src)}; acquireRunLock(${JSON.stringify(dir)}); ${how};`;
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: join(import.meta.dirname, "..", ".."),
        encoding: "utf8",
      });
      expect([r.status, r.signal], r.stderr).toEqual([code, signal]);
      expect(existsSync(lockFileFor(dir)), how).toBe(false);
    }
  });

  it("the lock file is complete JSON the moment it exists", () => {
    const dir = tmp();
    const lock = acquireRunLock(dir);
    expect(() => JSON.parse(readFileSync(lock.file, "utf8"))).not.toThrow();
    lock.release();
  });
});

describe("run-folder lock and the folder it guards", () => {
  it("a folder the lock created is removed on release when the run wrote nothing into it; a used one stays", () => {
    const root = tmp();
    const fresh = join(root, "runs", "a");
    acquireRunLock(fresh).release();
    expect(existsSync(join(root, "runs"))).toBe(false);
    const used = join(root, "b");
    const lock = acquireRunLock(used);
    writeFileSync(join(used, "trace.jsonl"), "");
    lock.release();
    expect(existsSync(join(used, "trace.jsonl"))).toBe(true);
  });
});
