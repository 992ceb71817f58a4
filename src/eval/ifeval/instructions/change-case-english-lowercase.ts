import { DEFAULT_BUILD_CONTEXT, type InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyIsLower } from "../pystr.js";
import { detectLanguage, LangDetectException } from "../text-deps.js";

/**
 * change_case:english_lowercase - Python `islower()` (checked first: a response with capitals fails without
 * detection) and langdetect says "en". If langdetect finds no features, the instruction counts as followed.
 */
export const changeCaseEnglishLowercase: InstructionSpec = {
  id: "change_case:english_lowercase",
  kwargNames: [],
  build(raw, context = DEFAULT_BUILD_CONTEXT) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description:
        "The entire response should be in English, and in all lowercase letters. No capital letters are allowed.",
      check: (response) => {
        try {
          return pyIsLower(response) && detectLanguage(response, context.langdetectSeed) === "en";
        } catch (err) {
          if (err instanceof LangDetectException) return true;
          throw err;
        }
      },
    };
  },
};
