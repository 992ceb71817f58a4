import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";

/**
 * The official IOPO example (`iopo_example.json`) in the shared benchmark data, which sits next to the repository
 * (`/work/main` -> `/work/shared`) or next to the worktrees' folder (`/work/wt/train` -> `/work/shared`).
 */
export function officialIopoExample(): string {
  const candidates = [join(packageRoot, "..", "shared"), join(packageRoot, "..", "..", "shared")].map((d) =>
    join(d, "data", "trace", "iopo_example.json"),
  );
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`shared iopo_example.json not found (looked at ${candidates.join(", ")})`);
  return found;
}
