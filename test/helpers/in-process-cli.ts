import { main } from "../../src/cli/main.js";

/**
 * Run `iopo <args>` in this process (the real CLI: parsing, actions, output) with `cwd` as the working directory,
 * capturing stdout and stderr. Faster than a child process when a test chains many commands (ONNX Runtime and the
 * modules load once). A usage error ends the process as in the CLI, so call it with valid command lines.
 */
export async function iopoIn(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  const before = process.cwd();
  let stdout = "";
  let stderr = "";
  process.stdout.write = ((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    await main(["node", "iopo", ...args]);
  } catch (e) {
    (e as Error).message += `\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`;
    throw e;
  } finally {
    process.chdir(before);
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { stdout, stderr };
}
