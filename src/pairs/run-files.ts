import { join } from "node:path";
import type { RunFiles } from "../trace/pipeline.js";

/** A pairs run folder: the kept rows under `finalName`, plus rejects.jsonl, summary.json, journal/ and each stage's output. */
export function pairRunFiles(dir: string, finalName: string): RunFiles {
  return {
    final: join(dir, finalName),
    rejects: join(dir, "rejects.jsonl"),
    summary: join(dir, "summary.json"),
    journalDir: join(dir, "journal"),
    stagesDir: join(dir, "stages"),
  };
}
