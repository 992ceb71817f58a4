import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Response generation: the rendered instruction (description, constraints, `# Inputs:`) is the user message, after
 * TRACE's fixed system prompt, exactly as the released evaluation set's `messages`. The template exists so the
 * request format has a hash like every other stage.
 */
export const RESPOND_SYSTEM_PROMPT = "You are a helpful assistant.";

export const RESPOND: PromptTemplate = {
  name: "respond",
  text: `[system] ${RESPOND_SYSTEM_PROMPT}\n[user] {{instruction}}`,
};
