/**
 * `iopo/model`: Hugging Face model folders (config.json, safetensors single or sharded, tokenizer, chat template,
 * PEFT adapters) read and written offline; chat encoding with the model's own template; sequence log-probs and
 * generation of the Llama/Qwen2 decoder, on ONNX Runtime or on the float64 reference decoder; tiny random model
 * folders for tests. ONNX Runtime is loaded on the first engine call (`createRunner(config, false)`,
 * `createLogprobRunner`, `createGenerator`, `createTrainingStep`, `EngineChatModel`), not by importing this entry.
 *
 * @example
 * import { computeSequenceLogprobs, createRunner, encodeExample, loadModelFolder, writeTinyModel } from "iopo/model";
 *
 * writeTinyModel("tiny-qwen2", { seed: 1 }); // or use any local Llama/Qwen2 folder
 * const folder = loadModelFolder("tiny-qwen2");
 * const codec = { tokenizer: folder.tokenizer, chatTemplate: folder.chatTemplate };
 * const example = encodeExample(codec, { conversation: [{ role: "user", content: "Say hello." }], response: "hello" });
 * const runner = await createRunner(folder.config, false); // false: ONNX Runtime; true: the float64 reference
 * const { sum, count } = await computeSequenceLogprobs(runner, folder.config, folder.checkpoint!.weights, [example]);
 * console.log(sum[0], count[0]); // log p(response | prompt) in nats, over count[0] response tokens
 */
import type * as Decoder from "./decoder.js";
import type * as Generate from "./generate.js";

export {
  type ChatCodec,
  type ChatExample,
  checkVocabulary,
  type EncodedExample,
  encodeExample,
  encodePrompt,
  encodeTrainingExample,
  rowToExample,
} from "./chat-encoding.js";
export { ChatTemplate, type ChatTurn } from "./chat-template.js";
export {
  type Checkpoint,
  DEFAULT_MAX_SHARD_BYTES,
  hasCheckpoint,
  INDEX_FILE,
  readCheckpoint,
  SINGLE_FILE,
  type WriteCheckpointOptions,
  writeCheckpoint,
} from "./checkpoint.js";
export { type ModelConfig, parseModelConfig } from "./config.js";
export type {
  EngineOptions,
  LogprobOptions as LogprobRunnerOptions,
  LogprobRunner,
  LossContext,
  LossFn,
  TrainingResult,
  TrainingStep,
  TrainingStepOptions,
} from "./decoder.js";
export {
  isLoraParameter,
  type LinearAdapterFactory,
  type LoraOptions,
  loraBranch,
  loraTransform,
  type TransformWeight,
} from "./decoder-lora.js";
export { EngineChatModel, type EngineChatModelOptions } from "./engine-chat-model.js";
export { createRunner, createTextGenerator, type TextGenerator } from "./engine-loader.js";
export { bf16ToFloat32, f16ToFloat32, float32ToBf16, float32ToF16 } from "./float16.js";
export type { GenerateOptions, Generator } from "./generate.js";
export { type GenerateArgs, runGenerate } from "./generate-rows.js";
export { type InspectArgs, inspectRow } from "./inspect-row.js";
export { defaultCacheDir } from "./logprob-cache.js";
export { type LogprobsArgs, type LogprobsRow, runLogprobs } from "./logprob-rows.js";
export {
  computeSequenceLogprobs,
  type EncodedSequence,
  type LogprobOptions,
  type LogprobResults,
  type SequenceBatch,
  type SequenceLogprobRunner,
} from "./logprobs.js";
export {
  checkWeights,
  copyTokenizerFiles,
  expectedShapes,
  loadModelFolder,
  type ModelFolder,
  type SaveOptions,
  saveModelFolder,
  TOKENIZER_FILES,
} from "./model-folder.js";
export { isAdapterFolder, mergePeftAdapter, type PeftAdapter, readPeftAdapter } from "./peft-adapter.js";
export { referenceGreedy, referenceLogits, referenceSequenceLogprob } from "./reference-decoder.js";
export { type GenerationOptions, referenceGenerate, referenceLogprobRunner } from "./reference-runner.js";
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafetensorsContent,
  type StoredDtype,
  SUPPORTED_DTYPES,
  type TensorToWrite,
  writeSafetensors,
} from "./safetensors.js";
export {
  CHAT_TEMPLATES,
  randomWeights,
  type TemplateStyle,
  type TinyModelOptions,
  writeTinyModel,
} from "./tiny-model.js";
export { ModelTokenizer } from "./tokenizer.js";
export { numel, parameterNames, type Tensor, type Weights } from "./weights.js";

// The engine entry points (src/model/decoder.ts, generate.ts) import onnxruntime-node at their top, so they are
// re-exported as thin async functions that import them on first call; their types come from the modules themselves.

/** ONNX Runtime runner of summed response log-probs (forward only; sequences sharing a prompt packed together). */
export const createLogprobRunner: typeof Decoder.createLogprobRunner = async (config, options) =>
  (await import("./decoder.js")).createLogprobRunner(config, options);

/** One forward + backward graph of the decoder with a loss on the per-sequence log-probs (docs/design.md, section 2). */
export const createTrainingStep: typeof Decoder.createTrainingStep = async (config, options) =>
  (await import("./decoder.js")).createTrainingStep(config, options);

/** KV-cache decoding on ONNX Runtime: greedy or nucleus sampling, batched, stopping at the EOS ids. */
export const createGenerator: typeof Generate.createGenerator = async (config, weights, options) =>
  (await import("./generate.js")).createGenerator(config, weights, options);
