import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TinyModelOptions, writeTinyModel } from "../../src/model/tiny-model.js";

const cache = new Map<string, string>();

/** A tiny random HF model folder in a temp dir (memoised per options within a test file). */
export function tinyModelDir(options: TinyModelOptions = {}): string {
  const key = JSON.stringify(options);
  let dir = cache.get(key);
  if (!dir) {
    dir = join(mkdtempSync(join(tmpdir(), "iopo-tiny-")), "model");
    writeTinyModel(dir, options);
    cache.set(key, dir);
  }
  return dir;
}
