/**
 * The offline constraint world (docs/design.md, section 6): a small synthetic language of list-making instructions
 * whose constraints are all machine-checkable, and programs that answer the real prompts of the data pipeline in the
 * roles the paper gives to Qwen2-72B and GPT-4o. `npm run demo` runs `trace build` and `pairs iopo|dpo` on it.
 *
 *   vocabulary, task        what instructions are about (categories, phrases; tasks with and without input)
 *   constraint              12 constraint kinds: render / parse / check, mapped to TRACE dimensions
 *   instruction             prose, structured (TRACE fields) and rendered (user message) forms
 *   generator               seeded seeds, constraint sets (optionally with a contradictory pair), instructions
 *   responder               answer plans: the compliant answer, or one that breaks a chosen constraint
 *   lexicon                 the closed token list (for the word-level tokenizer of the model trained later)
 *   programs/*              one program per pipeline stage; world-chat-model.ts serves them as one ChatModel
 *   rewards                 the checkers as reward functions of GRPO/PPO (`reward_funcs: world | world_all`)
 *
 * Imported as `iopo/world` (or as the `world` namespace of `iopo`).
 *
 * @example
 * import { buildTrace } from "iopo/trace";
 * import { generateEvalSet, generateSeeds, scoreWithCheckers, WorldChatModel } from "iopo/world";
 *
 * const model = new WorldChatModel("constructor"); // answers every stage prompt offline, no endpoint
 * const summary = await buildTrace(generateSeeds(20, 7), { outputDir: "runs/world-trace", model,
 *   judgeModel: new WorldChatModel("judge"), ctx: { lang: "en", seed: 7 } });
 * console.log(summary.rows_out);
 * const [record] = generateEvalSet(1, 7, 3, 3); // a TRACE-style record with 3 machine-checkable constraints
 * console.log(record.constraints_splits, scoreWithCheckers(record.constraints_splits, "a response")); // 10 or 0 each
 */
export * from "./constraint.js";
export * from "./demo-run.js";
export * from "./eval-set.js";
export * from "./generator.js";
export * from "./instruction.js";
export * from "./lexicon.js";
export { DEFAULT_WORLD_OPTIONS, type WorldOptions } from "./programs/program.js";
export * from "./responder.js";
export * from "./response-analysis.js";
export * from "./rewards.js";
export * from "./task.js";
export * from "./trace-judge.js";
export * from "./world-chat-model.js";
