import { type BuildContext, DEFAULT_BUILD_CONTEXT, type Instruction, type InstructionSpec } from "./instruction.js";
import { changeCaseCapitalWordFrequency } from "./instructions/change-case-capital-word-frequency.js";
import { changeCaseEnglishCapital } from "./instructions/change-case-english-capital.js";
import { changeCaseEnglishLowercase } from "./instructions/change-case-english-lowercase.js";
import { combinationRepeatPrompt } from "./instructions/combination-repeat-prompt.js";
import { combinationTwoResponses } from "./instructions/combination-two-responses.js";
import { detectableContentNumberPlaceholders } from "./instructions/detectable-content-number-placeholders.js";
import { detectableContentPostscript } from "./instructions/detectable-content-postscript.js";
import { detectableFormatConstrainedResponse } from "./instructions/detectable-format-constrained-response.js";
import { detectableFormatJsonFormat } from "./instructions/detectable-format-json-format.js";
import { detectableFormatMultipleSections } from "./instructions/detectable-format-multiple-sections.js";
import { detectableFormatNumberBulletLists } from "./instructions/detectable-format-number-bullet-lists.js";
import { detectableFormatNumberHighlightedSections } from "./instructions/detectable-format-number-highlighted-sections.js";
import { detectableFormatTitle } from "./instructions/detectable-format-title.js";
import { keywordsExistence } from "./instructions/keywords-existence.js";
import { keywordsForbiddenWords } from "./instructions/keywords-forbidden-words.js";
import { keywordsFrequency } from "./instructions/keywords-frequency.js";
import { keywordsLetterFrequency } from "./instructions/keywords-letter-frequency.js";
import { languageResponseLanguage } from "./instructions/language-response-language.js";
import { lengthConstraintsNthParagraphFirstWord } from "./instructions/length-constraints-nth-paragraph-first-word.js";
import { lengthConstraintsNumberParagraphs } from "./instructions/length-constraints-number-paragraphs.js";
import { lengthConstraintsNumberSentences } from "./instructions/length-constraints-number-sentences.js";
import { lengthConstraintsNumberWords } from "./instructions/length-constraints-number-words.js";
import { punctuationNoComma } from "./instructions/punctuation-no-comma.js";
import { startendEndChecker } from "./instructions/startend-end-checker.js";
import { startendQuotation } from "./instructions/startend-quotation.js";

/** The 25 instruction ids the reference registers (its INSTRUCTION_DICT), in its order. */
export const INSTRUCTION_SPECS: readonly InstructionSpec[] = [
  keywordsExistence,
  keywordsFrequency,
  keywordsForbiddenWords,
  keywordsLetterFrequency,
  languageResponseLanguage,
  lengthConstraintsNumberSentences,
  lengthConstraintsNumberParagraphs,
  lengthConstraintsNumberWords,
  lengthConstraintsNthParagraphFirstWord,
  detectableContentNumberPlaceholders,
  detectableContentPostscript,
  detectableFormatNumberBulletLists,
  detectableFormatConstrainedResponse,
  detectableFormatNumberHighlightedSections,
  detectableFormatMultipleSections,
  detectableFormatJsonFormat,
  detectableFormatTitle,
  combinationTwoResponses,
  combinationRepeatPrompt,
  startendEndChecker,
  changeCaseCapitalWordFrequency,
  changeCaseEnglishCapital,
  changeCaseEnglishLowercase,
  punctuationNoComma,
  startendQuotation,
];

export const INSTRUCTION_REGISTRY: ReadonlyMap<string, InstructionSpec> = new Map(
  INSTRUCTION_SPECS.map((s) => [s.id, s]),
);

export class UnknownInstructionError extends Error {
  constructor(readonly instructionId: string) {
    super(`unknown instruction id ${JSON.stringify(instructionId)} (IFEval has ${INSTRUCTION_REGISTRY.size} ids)`);
    this.name = "UnknownInstructionError";
  }
}

/** Build a fresh checker for one instruction of a prompt. */
export function buildInstruction(
  id: string,
  kwargs: Record<string, unknown>,
  context: BuildContext = DEFAULT_BUILD_CONTEXT,
): Instruction {
  const spec = INSTRUCTION_REGISTRY.get(id);
  if (!spec) throw new UnknownInstructionError(id);
  return spec.build(kwargs, context);
}
