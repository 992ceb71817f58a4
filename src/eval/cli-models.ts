import { type Command, InvalidArgumentError, Option } from "commander";
import type { ChatModel } from "../llm/types.js";
import { createInterimChatModel } from "./interim-chat-model.js";

/**
 * Model flags shared by the judge-based evaluators (`iopo eval trace|cfbench|complexbench`): the model under test
 * (`--base-url --model`) and the judge (`--judge-base-url --judge-model`), both OpenAI-compatible endpoints. API
 * keys come from environment variables named by `--api-key-env` / `--judge-api-key-env`, never from flags.
 */
export function addGeneratorOptions(cmd: Command): Command {
  return cmd
    .option("--base-url <url>", "OpenAI-compatible endpoint of the model under test (e.g. http://127.0.0.1:8000/v1)")
    .option("--model <name>", "model name at --base-url")
    .option("--api-key-env <VAR>", "environment variable holding the API key for --base-url", "OPENAI_API_KEY")
    .option("--max-tokens <n>", "generation max_tokens", parseIntOption)
    .option("--top-p <p>", "generation top_p", parseFloatOption);
}

export function addJudgeOptions(cmd: Command, defaults: { temperature: number; top_p?: number }): Command {
  return cmd
    .requiredOption("--judge-base-url <url>", "OpenAI-compatible endpoint of the judge model")
    .requiredOption("--judge-model <name>", "judge model name (the benchmarks used GPT-4-class judges)")
    .option("--judge-api-key-env <VAR>", "environment variable holding the judge API key", "OPENAI_API_KEY")
    .addOption(
      new Option("--judge-temperature <t>", "judge sampling temperature")
        .argParser(parseFloatOption)
        .default(defaults.temperature),
    )
    .addOption(
      new Option("--judge-top-p <p>", "judge top_p (omitted from requests when unset)")
        .argParser(parseFloatOption)
        .default(defaults.top_p),
    )
    .option("--judge-max-tokens <n>", "judge max_tokens", parseIntOption)
    .option("--concurrency <n>", "requests in flight", parseIntOption, 8);
}

export interface ModelFlags {
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  judgeBaseUrl: string;
  judgeModel: string;
  judgeApiKeyEnv?: string;
}

export function judgeModelFrom(flags: ModelFlags): ChatModel {
  return createInterimChatModel({
    baseUrl: flags.judgeBaseUrl,
    model: flags.judgeModel,
    apiKey: process.env[flags.judgeApiKeyEnv ?? "OPENAI_API_KEY"],
  });
}

/** The model under test, or undefined when no endpoint was given (scoring an existing responses file). */
export function generatorFrom(flags: ModelFlags): ChatModel | undefined {
  if (!flags.baseUrl && !flags.model) return undefined;
  if (!flags.baseUrl || !flags.model) throw new Error("--base-url and --model must be given together");
  return createInterimChatModel({
    baseUrl: flags.baseUrl,
    model: flags.model,
    apiKey: process.env[flags.apiKeyEnv ?? "OPENAI_API_KEY"],
  });
}

export function parseIntOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${v}"`);
  return n;
}

export function parseFloatOption(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

/** The shared `iopo eval` group (several modules add subcommands to it). */
export function evalGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "eval") ??
    program.command("eval").description("evaluate models: IFEval, TRACE IF-S/IF-M, CFBench, ComplexBench")
  );
}
