import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../../../data/errors.js";

/** Orthographic-context flags (where a word type was seen upper/lower case), as stored in `ortho_context.tab`. */
export const ORTHO_BEG_UC = 1 << 1;
export const ORTHO_MID_UC = 1 << 2;
export const ORTHO_UNK_UC = 1 << 3;
export const ORTHO_BEG_LC = 1 << 4;
export const ORTHO_MID_LC = 1 << 5;
export const ORTHO_UNK_LC = 1 << 6;
export const ORTHO_UC = ORTHO_BEG_UC | ORTHO_MID_UC | ORTHO_UNK_UC;
export const ORTHO_LC = ORTHO_BEG_LC | ORTHO_MID_LC | ORTHO_UNK_LC;

/** The learned Punkt model (Kiss & Strunk 2006): everything the tokenizer looks up. */
export interface PunktParameters {
  /** Abbreviation types, lowercase, without their final period. */
  abbrevTypes: Set<string>;
  /** "word1\tword2" pairs where a period after word1 is not a sentence break. */
  collocations: Set<string>;
  /** Frequent sentence starters, lowercase. */
  sentStarters: Set<string>;
  /** Word type -> orthographic flags; missing types have no flags. */
  orthoContext: Map<string, number>;
}

/** Lines of a parameter file; whitespace inside a line is significant (one abbreviation is ". . "). */
function readLines(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return text.split("\n").filter((line) => line !== "");
}

function readPairs(file: string): Array<[number, string, string]> {
  return readLines(file).map((line, i) => {
    const tab = line.lastIndexOf("\t");
    if (tab <= 0) throw new DataError(file, i + 1, "line", "expected two tab-separated fields");
    return [i + 1, line.slice(0, tab), line.slice(tab + 1)];
  });
}

/** Load a Punkt model from the nltk_data `punkt_tab` text layout (abbrev_types.txt, collocations.tab, ...). */
export function loadPunktParameters(folder: string): PunktParameters {
  const orthoFile = join(folder, "ortho_context.tab");
  const orthoContext = new Map<string, number>();
  for (const [line, type, flags] of readPairs(orthoFile)) {
    const value = Number(flags);
    if (!Number.isInteger(value) || value < 0)
      throw new DataError(orthoFile, line, "flags", `not a flag set: ${flags}`);
    orthoContext.set(type, value);
  }
  return {
    abbrevTypes: new Set(readLines(join(folder, "abbrev_types.txt"))),
    collocations: new Set(readPairs(join(folder, "collocations.tab")).map(([, a, b]) => `${a}\t${b}`)),
    sentStarters: new Set(readLines(join(folder, "sent_starters.txt"))),
    orthoContext,
  };
}
