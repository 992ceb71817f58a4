import { DEFAULT_BUILD_CONTEXT, type InstructionSpec } from "../instruction.js";
import { Kwargs } from "../kwargs.js";
import { LANGUAGE_NAMES } from "../languages.js";
import { detectLanguage, LangDetectException } from "../text-deps.js";

/**
 * language:response_language - langdetect's top language equals the kwarg code. Text where langdetect finds no
 * features (it raises LangDetectException) counts as following, as in the reference.
 */
export const languageResponseLanguage: InstructionSpec = {
  id: "language:response_language",
  kwargNames: ["language"],
  build(raw, context = DEFAULT_BUILD_CONTEXT) {
    const language = new Kwargs(this, raw).string("language");
    return {
      id: this.id,
      description: `The entire response should be in ${LANGUAGE_NAMES[language] ?? language}, and no other language.`,
      check: (response) => {
        try {
          return detectLanguage(response, context.langdetectSeed) === language;
        } catch (err) {
          if (err instanceof LangDetectException) return true;
          throw err;
        }
      },
    };
  },
};
