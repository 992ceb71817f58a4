/**
 * `iopo/eval/ifeval`: IFEval (Zhou et al. 2023) with the reference implementation's semantics: the 25 instruction
 * checkers, strict and loose modes, prompt- and instruction-level accuracy, the reference's output files, the 541
 * bundled prompts, and response generation through a `ChatModel` or in-process from a model folder.
 *
 * @example
 * import { BUNDLED_INPUT_DATA, buildInstruction, evalIfeval, evaluateResponse, readPrompts } from "iopo/eval/ifeval";
 *
 * const noComma = buildInstruction("punctuation:no_comma", {});
 * console.log(noComma.description, noComma.check("one, two"), noComma.check("one two")); // false true
 * const [first] = readPrompts(BUNDLED_INPUT_DATA);
 * const result = evaluateResponse(first, "my response", "loose");
 * console.log(result.follow_instruction_list);
 * // The whole `iopo eval ifeval`: score a responses file, write eval_results_{strict,loose}.jsonl and metrics.json.
 * const scores = await evalIfeval({ responses: "responses.jsonl", outputDir: "results/ifeval" });
 * console.log(scores?.metrics.prompt_level_strict_acc);
 */

export {
  BUNDLED_INPUT_DATA,
  type LocatedPrompt,
  type MatchedResponse,
  type Matching,
  matchResponses,
  type ResponseRow,
  readPrompts,
  readResponses,
} from "./data.js";
export {
  type Accuracy,
  type CountAccuracy,
  evaluateResponse,
  type IfevalPrompt,
  looseVariants,
  type Mode,
  type PromptResult,
  summarize,
} from "./evaluate.js";
export { type GeneratedRow, type GenerationOptions, generateResponses } from "./generate.js";
export { generateLocally, type LocalGenerationOptions } from "./generate-local.js";
export { type BuildContext, DEFAULT_BUILD_CONTEXT, type Instruction, type InstructionSpec } from "./instruction.js";
export { KwargsError } from "./kwargs.js";
export { buildInstruction, INSTRUCTION_REGISTRY, INSTRUCTION_SPECS, UnknownInstructionError } from "./registry.js";
export { ifevalReward, ifevalRewards } from "./rewards.js";
export { evalIfeval, type IfevalRunOptions, type Output as IfevalOutput } from "./run.js";
export {
  buildMetrics,
  DEVIATIONS,
  type IfevalMetrics,
  type IfevalScores,
  resultLines,
  scoreResponses,
  writeOutputs,
} from "./score.js";
