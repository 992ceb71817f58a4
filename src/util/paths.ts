import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package root, found from this file's location. Works both from `src/util/paths.ts` (tests, tsx) and from
 * the compiled `dist/util/paths.js`, since both sit two levels below the root.
 */
export const packageRoot: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A file in the bundled `data/` folder (shipped with the package, with its license notices). */
export function bundledDataPath(...parts: string[]): string {
  return join(packageRoot, "data", ...parts);
}

/** The package's version from its package.json, the one place it is written (`iopo --version` prints it). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`no "version" in ${join(packageRoot, "package.json")}`);
  return pkg.version;
}
