import { shortHash } from "../util/hash.js";

/**
 * Prompt templates are plain strings with `{{name}}` slots, one file per template and language beside the stage
 * that uses them. Filling is a single pass (a value that itself contains `{{x}}` is never re-expanded), and a
 * slot without a value is an error rather than a silently empty prompt.
 */
export interface PromptTemplate {
  /** Stable name, e.g. "expand.en". */
  name: string;
  text: string;
}

export function fillTemplate(template: PromptTemplate, vars: Record<string, string>): string {
  return template.text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`prompt template ${template.name}: no value for {{${key}}}`);
    return v;
  });
}

/** Hash of a template's text: part of each stage signature and of every row's provenance. */
export function templateHash(template: PromptTemplate): string {
  return shortHash(template.text);
}
