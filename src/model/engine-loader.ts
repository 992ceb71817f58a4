import type { ModelConfig } from "./config.js";
import type { SequenceLogprobRunner } from "./logprobs.js";
import { type GenerationOptions, referenceGenerate, referenceLogprobRunner } from "./reference-runner.js";
import type { Weights } from "./weights.js";

/**
 * The two execution paths behind the model commands: the ONNX Runtime engine (`src/model/decoder.ts`, default)
 * and the float64 reference decoder (`--reference`: slow, exact, for checking the engine).
 */
export interface TextGenerator {
  generate(prompts: Int32Array[], options: GenerationOptions): Promise<Int32Array[]>;
}

// Imported on first use so that commands which never run the model (inspect) do not start ONNX Runtime.
const engine = () => import("./decoder.js");

export async function createRunner(config: ModelConfig, reference: boolean): Promise<SequenceLogprobRunner> {
  if (reference) return referenceLogprobRunner(config);
  return (await engine()).createLogprobRunner(config);
}

export async function createTextGenerator(
  config: ModelConfig,
  weights: Weights,
  reference: boolean,
): Promise<TextGenerator> {
  if (reference) {
    return { generate: async (prompts, options) => referenceGenerate(config, weights, prompts, options) };
  }
  return (await engine()).createGenerator(config, weights);
}
