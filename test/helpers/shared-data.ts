import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";

/**
 * The shared benchmark folder that tests may read (never the product): `$IOPO_SHARED_DIR`, else `../shared` beside
 * the repository (CI's layout), else `../../shared` (a worktree under a sibling folder).
 */
export function sharedDir(): string {
  const candidates = [
    process.env.IOPO_SHARED_DIR,
    join(packageRoot, "..", "shared"),
    join(packageRoot, "..", "..", "shared"),
  ];
  const found = candidates.find((d): d is string => !!d && existsSync(join(d, "data")));
  if (!found)
    throw new Error(`shared data not found (set IOPO_SHARED_DIR; looked in ${candidates.filter(Boolean).join(", ")})`);
  return found;
}

/** A file under the shared folder, e.g. sharedPath("data", "trace", "README.md"). */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}
