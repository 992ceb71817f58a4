import type { InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyJsonLoadsOk } from "../pyjson.js";
import { pyStrip, removePrefix, removeSuffix } from "../pystr.js";

/**
 * The text the reference hands to `json.loads`: stripped, then the prefixes ```json, ```Json, ```JSON and ``` each
 * removed once in that order (a chain, not alternatives), one trailing ``` removed, stripped again.
 */
export function unfenceJson(response: string): string {
  let t = pyStrip(response);
  for (const prefix of ["```json", "```Json", "```JSON", "```"]) t = removePrefix(t, prefix);
  return pyStrip(removeSuffix(t, "```"));
}

/** detectable_format:json_format - the (unfenced) response is one value Python's `json.loads` accepts. */
export const detectableFormatJsonFormat: InstructionSpec = {
  id: "detectable_format:json_format",
  kwargNames: [],
  build(raw) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "The entire output should be wrapped in JSON format; markdown ticks such as ``` may be used.",
      check: (response) => pyJsonLoadsOk(unfenceJson(response)),
    };
  },
};
