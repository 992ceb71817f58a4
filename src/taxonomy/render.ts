import { CONSTRAINT_TYPES, DIMENSIONS, type Dimension } from "./dimensions.js";

export type PromptLang = "en" | "zh";

/**
 * Render the taxonomy as the numbered list the constraint-expansion prompt (appendix B.1) shows the model:
 * one block per type, one line per dimension with its description. `only` restricts it to a subset
 * (the expansion stage may suggest a seeded sample of dimensions).
 */
export function renderTaxonomy(lang: PromptLang, only?: readonly Dimension[]): string {
  const keep = only ? new Set(only.map((d) => d.key)) : undefined;
  const blocks: string[] = [];
  let typeNo = 0;
  for (const type of CONSTRAINT_TYPES) {
    const dims = DIMENSIONS.filter((d) => d.type === type.name && (!keep || keep.has(d.key)));
    if (dims.length === 0) continue;
    typeNo++;
    const head = lang === "zh" ? `${typeNo}. ${type.nameZh}（${type.name}）` : `${typeNo}. ${type.name} Constraint`;
    const lines = dims.map((d, i) =>
      lang === "zh"
        ? `   ${typeNo}.${i + 1} ${d.label}（${d.name}）：${d.descriptionZh}`
        : `   ${typeNo}.${i + 1} ${d.name}: ${d.description}`,
    );
    blocks.push([head, ...lines].join("\n"));
  }
  return blocks.join("\n");
}
