/**
 * The TRACE constraint taxonomy (IOPO paper, section 4.1 and appendix A): 5 constraint types, 26 dimensions.
 *
 * English names follow the paper. Chinese labels are the exact `levels2` strings of the released evaluation set
 * (2024_trace_evaluation.jsonl), mapped by meaning and checked against the upstream figure of dimension shares.
 * Descriptions are written in our own words from the dimension names (the appendix A wording could not be
 * retrieved here); `descriptionZh` is the Chinese rendering used by the Chinese expansion prompt.
 */

export type ConstraintTypeName = "Content" | "Situation" | "Style" | "Format" | "Example";

export interface ConstraintType {
  name: ConstraintTypeName;
  /** Chinese name, used by the Chinese prompts. */
  nameZh: string;
  description: string;
}

export interface Dimension {
  /** Stable machine key (snake_case). */
  key: string;
  /** The paper's English name. */
  name: string;
  type: ConstraintTypeName;
  /** Exact `levels2` label of the released TRACE evaluation set. */
  label: string;
  description: string;
  descriptionZh: string;
}

export const CONSTRAINT_TYPES: readonly ConstraintType[] = [
  {
    name: "Content",
    nameZh: "内容约束",
    description:
      "What the response must or must not contain: topic, required or forbidden elements, values, quantities.",
  },
  {
    name: "Situation",
    nameZh: "情境约束",
    description: "The situation the response is written in: who speaks, to whom, under which premises and background.",
  },
  {
    name: "Style",
    nameZh: "风格约束",
    description: "How the response sounds: tone, emotion, linguistic features and language.",
  },
  {
    name: "Format",
    nameZh: "格式约束",
    description: "How the response is laid out: output format, text patterns, structure, lists, citations, templates.",
  },
  {
    name: "Example",
    nameZh: "示例约束",
    description: "Examples the response must imitate (positive) or avoid resembling (negative).",
  },
];

export const DIMENSIONS: readonly Dimension[] = [
  // Content
  {
    key: "theme",
    name: "Theme",
    type: "Content",
    label: "主题约束",
    description: "The response must stay on a given topic or subject and not drift away from it.",
    descriptionZh: "回复必须围绕指定的主题或话题展开，不得偏离。",
  },
  {
    key: "exclusion",
    name: "Exclusion",
    type: "Content",
    label: "排除约束",
    description: "The response must not mention or use certain words, content, viewpoints or information.",
    descriptionZh: "回复中不得出现指定的词语、内容、观点或信息。",
  },
  {
    key: "inclusion",
    name: "Inclusion",
    type: "Content",
    label: "包含约束",
    description: "The response must contain certain keywords, points, elements or pieces of information.",
    descriptionZh: "回复中必须包含指定的关键词、要点、元素或信息。",
  },
  {
    key: "value",
    name: "Value",
    type: "Content",
    label: "价值观约束",
    description:
      "The response must respect given values and norms (e.g. be positive, fair, legal, non-discriminatory).",
    descriptionZh: "回复须符合指定的价值观与规范，如积极向上、公平、合法、无歧视。",
  },
  {
    key: "privacy",
    name: "Privacy",
    type: "Content",
    label: "隐私约束",
    description: "The response must protect personal or confidential information and not disclose it.",
    descriptionZh: "回复须保护个人隐私或机密信息，不得泄露。",
  },
  {
    key: "numerical",
    name: "Numerical",
    type: "Content",
    label: "数值约束",
    description: "Quantitative limits on the response: number of words, characters, sentences, paragraphs or items.",
    descriptionZh: "对回复的数量要求，如字数、字符数、句子数、段落数或条目数。",
  },
  // Situation
  {
    key: "role_playing",
    name: "Role-Playing",
    type: "Situation",
    label: "角色扮演约束",
    description: "The response must be written in the voice of a given role or persona.",
    descriptionZh: "回复须以指定的角色或身份的口吻来写。",
  },
  {
    key: "target_audience",
    name: "Target Audience",
    type: "Situation",
    label: "受众目标约束",
    description: "The response must be suited to a given audience (e.g. children, experts, customers).",
    descriptionZh: "回复须适合指定的受众群体，如儿童、专家、客户。",
  },
  {
    key: "prior_condition",
    name: "Prior Condition",
    type: "Situation",
    label: "先验条件约束",
    description: "The response must hold under given premises, assumptions or conditions stated in the instruction.",
    descriptionZh: "回复须在指令给定的前提、假设或条件下成立。",
  },
  {
    key: "nlp_background",
    name: "Natural Language Process Background Information",
    type: "Situation",
    label: "自然语言流程背景信息约束",
    description: "The response must follow a process or workflow described in natural language as background.",
    descriptionZh: "回复须遵循以自然语言描述的流程或步骤等背景信息。",
  },
  {
    key: "markdown_background",
    name: "Markdown Process Background Information",
    type: "Situation",
    label: "markdown流程背景信息约束",
    description: "The response must follow a process or workflow given as background in Markdown form.",
    descriptionZh: "回复须遵循以 Markdown 形式给出的流程等背景信息。",
  },
  {
    key: "table_background",
    name: "Table Background Information",
    type: "Situation",
    label: "表格背景信息约束",
    description: "The response must use or be consistent with background information given as a table.",
    descriptionZh: "回复须基于或符合以表格形式给出的背景信息。",
  },
  {
    key: "text_background",
    name: "Text Background Information",
    type: "Situation",
    label: "文本背景信息约束",
    description: "The response must use or be consistent with background information given as a passage of text.",
    descriptionZh: "回复须基于或符合以文本段落形式给出的背景信息。",
  },
  // Style
  {
    key: "tone_and_style",
    name: "Tone and Style",
    type: "Style",
    label: "语气风格约束",
    description: "The response must use a given tone or writing style (e.g. formal, humorous, concise, poetic).",
    descriptionZh: "回复须采用指定的语气或写作风格，如正式、幽默、简洁、诗意。",
  },
  {
    key: "emotion",
    name: "Emotion",
    type: "Style",
    label: "情感情绪约束",
    description: "The response must convey a given emotion or mood (e.g. warm, encouraging, sad).",
    descriptionZh: "回复须表达指定的情感或情绪，如温暖、鼓舞、伤感。",
  },
  {
    key: "linguistic_characteristics",
    name: "Linguistic Characteristics",
    type: "Style",
    label: "语言特征约束",
    description: "The response must show given language features (rhetorical devices, word choice, sentence types).",
    descriptionZh: "回复须具备指定的语言特征，如修辞手法、用词、句式。",
  },
  {
    key: "multilingual",
    name: "Multilingual",
    type: "Style",
    label: "多语言约束",
    description: "The response must be written in, or mix, given languages.",
    descriptionZh: "回复须使用或混合使用指定的语言。",
  },
  // Format
  {
    key: "output_format",
    name: "Output Format",
    type: "Format",
    label: "输出格式约束",
    description: "The response must be given in a specified output format (e.g. JSON, table, code block, one line).",
    descriptionZh: "回复须采用指定的输出格式，如 JSON、表格、代码块、单行。",
  },
  {
    key: "text_pattern",
    name: "Text Pattern",
    type: "Format",
    label: "文本样式约束",
    description: "Surface patterns of the text: case, punctuation, bold or italics, start or end with given words.",
    descriptionZh: "文本的表层样式，如大小写、标点、加粗或斜体、以指定词语开头或结尾。",
  },
  {
    key: "grammar_structure",
    name: "Grammar Structure",
    type: "Format",
    label: "语法结构约束",
    description:
      "The response must use given grammatical structures (e.g. questions only, passive voice, parallelism).",
    descriptionZh: "回复须使用指定的语法结构，如只用疑问句、被动语态、排比句。",
  },
  {
    key: "citation",
    name: "Citation",
    type: "Format",
    label: "引用和参考约束",
    description: "The response must cite or reference sources, quotations or given material in a required way.",
    descriptionZh: "回复须按要求引用或参考资料、原文或给定材料。",
  },
  {
    key: "numbering_and_list",
    name: "Numbering and List",
    type: "Format",
    label: "编号和列表约束",
    description: "The response must present content as numbered or bulleted lists in a given way.",
    descriptionZh: "回复须以指定方式使用编号或项目符号列表呈现内容。",
  },
  {
    key: "hierarchical_structure",
    name: "Hierarchical Structure",
    type: "Format",
    label: "层次化结构约束",
    description: "The response must be organised in a given hierarchy: sections, headings, parts in a given order.",
    descriptionZh: "回复须按指定层次组织，如分节、标题、按顺序的各部分。",
  },
  {
    key: "template",
    name: "Template",
    type: "Format",
    label: "模版约束",
    description: "The response must fill in or follow a given template or fixed frame.",
    descriptionZh: "回复须填写或遵循给定的模板或固定框架。",
  },
  // Example
  {
    key: "positive_example",
    name: "Positive Example",
    type: "Example",
    label: "正例约束",
    description: "The response must imitate a given good example in form or content.",
    descriptionZh: "回复须在形式或内容上模仿给定的正面示例。",
  },
  {
    key: "negative_example",
    name: "Negative Example",
    type: "Example",
    label: "负例约束",
    description: "The response must avoid the mistakes shown by a given bad example.",
    descriptionZh: "回复须避免给定反面示例所示的错误。",
  },
];
