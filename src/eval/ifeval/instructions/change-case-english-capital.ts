import { DEFAULT_BUILD_CONTEXT, type InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { pyIsUpper } from "../pystr.js";
import { detectLanguage, LangDetectException } from "../text-deps.js";

/**
 * change_case:english_capital - Python `isupper()` (checked first: a response with lowercase letters fails without
 * detection) and langdetect says "en". If langdetect finds no features, the instruction counts as followed.
 */
export const changeCaseEnglishCapital: InstructionSpec = {
  id: "change_case:english_capital",
  kwargNames: [],
  build(raw, context = DEFAULT_BUILD_CONTEXT) {
    new Kwargs(this, raw);
    return {
      id: this.id,
      description: "The entire response should be in English, and in all capital letters.",
      check: (response) => {
        try {
          return pyIsUpper(response) && detectLanguage(response, context.langdetectSeed) === "en";
        } catch (err) {
          if (err instanceof LangDetectException) return true;
          throw err;
        }
      },
    };
  },
};
