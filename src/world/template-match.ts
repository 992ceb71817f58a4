/**
 * Recognising a prompt by the template it was rendered from: the template's fixed text must match the prompt
 * exactly, and the `{{slot}}` values are read back out. This is how the world's programs know which pipeline
 * stage a request comes from, without guessing from keywords.
 */
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const compiled = new Map<string, { re: RegExp; slots: string[] }>();

function compile(text: string) {
  let hit = compiled.get(text);
  if (hit) return hit;
  const slots: string[] = [];
  let source = "^";
  let last = 0;
  for (const m of text.matchAll(/\{\{(\w+)\}\}/g)) {
    source += esc(text.slice(last, m.index));
    const seen = slots.indexOf(m[1]);
    if (seen >= 0) {
      source += `\\${seen + 1}`;
    } else {
      slots.push(m[1]);
      source += "([\\s\\S]*?)";
    }
    last = m.index + m[0].length;
  }
  source += `${esc(text.slice(last))}$`;
  hit = { re: new RegExp(source), slots };
  compiled.set(text, hit);
  return hit;
}

/** The slot values when `prompt` is `templateText` filled in, else undefined. */
export function matchTemplate(templateText: string, prompt: string): Record<string, string> | undefined {
  const { re, slots } = compile(templateText);
  const m = re.exec(prompt);
  if (!m) return undefined;
  return Object.fromEntries(slots.map((s, i) => [s, m[i + 1]]));
}
