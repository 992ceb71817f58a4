import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

/** What `iopo <args>` did, run in this process. */
export interface InProcessResult {
  /** The exit code the binary would end with (0 when main() returned). */
  code: number;
  stdout: string;
  stderr: string;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/**
 * Run `iopo <args>` in this process, as the binary does (src/cli/main.ts runCli: main(), a runtime error reported as
 * one line with exit 1), with process.exit, stdout and stderr intercepted and `env` set for the duration. Much
 * faster than a child process (no tsx start-up), for table-driven tests over many commands and cases; tests that
 * need a real process (signals, a server stopped mid-run) use test/helpers/cli.ts.
 */
export async function runInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write);
  const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
    throw new Exit(code ?? 0);
  }) as typeof process.exit);
  let code = 0;
  try {
    await main(["node", "iopo", ...args]);
  } catch (e) {
    if (e instanceof Exit) code = e.code;
    else {
      stderr += `iopo: ${e instanceof Error ? e.message : String(e)}\n`;
      code = 1;
    }
  } finally {
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout, stderr };
}
