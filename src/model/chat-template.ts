import { Template } from "@huggingface/jinja";
import { DataError } from "../data/errors.js";

export interface ChatTurn {
  role: string;
  content: string;
}

/**
 * A model's own chat template, compiled once with `@huggingface/jinja`. The render context mirrors transformers'
 * `apply_chat_template`: `messages`, `add_generation_prompt`, the special-token strings (`bos_token`, `eos_token`,
 * `pad_token`, `unk_token`, and any other `*_token` string in tokenizer_config.json); `raise_exception` and
 * `strftime_now` come from the jinja runtime.
 */
export class ChatTemplate {
  private readonly compiled: Template;

  constructor(
    readonly source: string,
    /** Where the template came from, for messages (e.g. `dir/chat_template.jinja`). */
    readonly origin: string,
    private readonly specialTokens: Record<string, string>,
  ) {
    try {
      this.compiled = new Template(source);
    } catch (err) {
      throw new DataError(origin, undefined, "chat_template", `cannot parse the template (${(err as Error).message})`);
    }
  }

  render(messages: ChatTurn[], addGenerationPrompt: boolean, extra: Record<string, unknown> = {}): string {
    try {
      return this.compiled.render({
        ...this.specialTokens,
        ...extra,
        messages,
        add_generation_prompt: addGenerationPrompt,
      });
    } catch (err) {
      throw new DataError(this.origin, undefined, "chat_template", `rendering failed: ${(err as Error).message}`);
    }
  }
}

/**
 * Pick the template source the way recent transformers does: `chat_template.jinja` wins over tokenizer_config.json;
 * a `chat_template` list of {name, template} uses the one named "default".
 */
export function selectTemplateSource(
  fileTemplate: string | undefined,
  configTemplate: unknown,
  configFile: string,
): string | undefined {
  if (fileTemplate !== undefined) return fileTemplate;
  if (configTemplate === undefined || configTemplate === null) return undefined;
  if (typeof configTemplate === "string") return configTemplate;
  if (Array.isArray(configTemplate)) {
    const named = configTemplate as { name?: unknown; template?: unknown }[];
    const def = named.find((t) => t && t.name === "default");
    if (!def || typeof def.template !== "string") {
      const names = named.map((t) => JSON.stringify(t?.name)).join(", ");
      throw new DataError(configFile, undefined, "chat_template", `no template named "default" (found ${names})`);
    }
    return def.template;
  }
  throw new DataError(configFile, undefined, "chat_template", "expected a string or a list of {name, template}");
}

/** The special-token strings of tokenizer_config.json, as template variables. */
export function specialTokenContext(tokenizerConfig: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tokenizerConfig)) {
    if (!key.endsWith("_token")) continue;
    if (typeof value === "string") out[key] = value;
    else if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
      out[key] = (value as { content: string }).content;
    }
  }
  return out;
}
