/**
 * The TRACE constraint taxonomy (IOPO paper, section 4.1 and appendix A, Table 6): 5 constraint types, 26 dimensions.
 *
 * English names follow the paper. Chinese labels are the exact `levels2` strings of the released evaluation set
 * (2024_trace_evaluation.jsonl), mapped by meaning and checked against the upstream figure of dimension shares.
 * Each description says what Table 6 says the dimension is (e.g. Prior Condition: when an intent applies, follow a
 * given procedure; Text Pattern: fonts, font sizes and emoji), in our own words; the constraint expander is shown
 * these descriptions (B.1). `descriptionZh` is the Chinese rendering used by the Chinese expansion prompt.
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
      "What the response must or must not contain: topic, required or forbidden content, values, privacy, size.",
  },
  {
    name: "Situation",
    nameZh: "情境约束",
    description:
      "The situation around the response: the role it speaks in, its audience, conditional rules and background information.",
  },
  {
    name: "Style",
    nameZh: "风格约束",
    description: "How the response sounds: tone and style, emotion, rhetorical devices and language.",
  },
  {
    name: "Format",
    nameZh: "格式约束",
    description:
      "How the response is laid out: data format, typography, grammar, citations, lists, hierarchy and layout templates.",
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
    description: "The response keeps to a given topic or field.",
    descriptionZh: "回复须聚焦于指定的话题或领域。",
  },
  {
    key: "exclusion",
    name: "Exclusion",
    type: "Content",
    label: "排除约束",
    description: "The instruction names information or content that the response must leave out.",
    descriptionZh: "指令明确指出回复中不得出现的信息或内容。",
  },
  {
    key: "inclusion",
    name: "Inclusion",
    type: "Content",
    label: "包含约束",
    description: "The instruction names information or content that the response must contain.",
    descriptionZh: "指令明确指出回复中必须包含的信息或内容。",
  },
  {
    key: "value",
    name: "Value",
    type: "Content",
    label: "价值观约束",
    description:
      "The response must not carry content that offends values: unsafe material, false information, discrimination or bias.",
    descriptionZh: "回复不得含有违背价值观的内容，如不安全信息、虚假信息、歧视或偏见。",
  },
  {
    key: "privacy",
    name: "Privacy",
    type: "Content",
    label: "隐私约束",
    description:
      "The response must not reveal details that could infringe privacy, such as personal data or other sensitive information.",
    descriptionZh: "回复不得包含可能侵犯隐私的细节，如个人数据或其他敏感信息。",
  },
  {
    key: "numerical",
    name: "Numerical",
    type: "Content",
    label: "数值约束",
    description:
      "Limits on the size of the response (its words, sentences or paragraphs), or on the numeric precision of the values it gives.",
    descriptionZh: "限制回复的篇幅（字数、句数、段落数），或要求其中的数值达到指定精度。",
  },
  // Situation
  {
    key: "role_playing",
    name: "Role-Playing",
    type: "Situation",
    label: "角色扮演约束",
    description: "The response is given in a stated role, or within a stated situational background.",
    descriptionZh: "回复须以指定角色的身份，或在指定的情境背景下给出。",
  },
  {
    key: "target_audience",
    name: "Target Audience",
    type: "Situation",
    label: "受众目标约束",
    description:
      "The response is aimed at a stated audience, which decides its terminology, level of detail and complexity.",
    descriptionZh: "回复面向指定的受众，受众决定其术语、细节程度和内容复杂度。",
  },
  {
    key: "prior_condition",
    name: "Prior Condition",
    type: "Situation",
    label: "先验条件约束",
    description:
      "A conditional rule: when a stated intent or situation applies, a stated procedure must be followed (carry out an operation or output given content).",
    descriptionZh: "条件式规则：当出现指定的意图或情形时，须按指定流程执行操作或输出指定内容。",
  },
  {
    key: "nlp_background",
    name: "Natural Language Process Background Information",
    type: "Situation",
    label: "自然语言流程背景信息约束",
    description:
      "The instruction supplies process information in plain prose (steps, a business procedure) for the response to draw on.",
    descriptionZh: "指令以自然语言形式提供流程信息（操作步骤、业务流程），供生成回复时参考。",
  },
  {
    key: "markdown_background",
    name: "Markdown Process Background Information",
    type: "Situation",
    label: "markdown流程背景信息约束",
    description:
      "The instruction supplies process information formatted as Markdown (steps, a business procedure) for the response to draw on.",
    descriptionZh: "指令以 Markdown 格式提供流程信息（操作步骤、业务流程），供生成回复时参考。",
  },
  {
    key: "table_background",
    name: "Table Background Information",
    type: "Situation",
    label: "表格背景信息约束",
    description: "Background knowledge is given as one or more Markdown tables for the response to draw on.",
    descriptionZh: "背景信息以一个或多个 Markdown 表格的形式给出，供生成回复时参考。",
  },
  {
    key: "text_background",
    name: "Text Background Information",
    type: "Situation",
    label: "文本背景信息约束",
    description: "Background knowledge is given as passages of text for the response to draw on.",
    descriptionZh: "背景信息以若干段文本的形式给出，供生成回复时参考。",
  },
  // Style
  {
    key: "tone_and_style",
    name: "Tone and Style",
    type: "Style",
    label: "语气风格约束",
    description:
      "The response takes a stated tone or style: formal, polite, academic, concise, literary, romantic, science-fiction and the like.",
    descriptionZh: "回复须采用指定的语气或风格，如正式、礼貌、学术、简洁、文艺、浪漫、科幻等。",
  },
  {
    key: "emotion",
    name: "Emotion",
    type: "Style",
    label: "情感情绪约束",
    description: "The response conveys a stated emotion or mood, for example positive, uplifting or empathetic.",
    descriptionZh: "回复须传达指定的情感或情绪，如积极、鼓舞人心或富有同理心。",
  },
  {
    key: "linguistic_characteristics",
    name: "Linguistic Characteristics",
    type: "Style",
    label: "语言特征约束",
    description: "The response uses stated language devices such as metaphor, personification or other rhetoric.",
    descriptionZh: "回复须使用指定的语言手法，如比喻、拟人等修辞。",
  },
  {
    key: "multilingual",
    name: "Multilingual",
    type: "Style",
    label: "多语言约束",
    description:
      "The response is written in a stated language, or switches between languages following a stated pattern.",
    descriptionZh: "回复须使用指定语言，或按指定规律在多种语言之间切换。",
  },
  // Format
  {
    key: "output_format",
    name: "Output Format",
    type: "Format",
    label: "输出格式约束",
    description: "The response comes in a stated data format such as a table, JSON, HTML, LaTeX or Markdown.",
    descriptionZh: "回复须采用指定的数据格式，如表格、JSON、HTML、LaTeX 或 Markdown。",
  },
  {
    key: "text_pattern",
    name: "Text Pattern",
    type: "Format",
    label: "文本样式约束",
    description:
      "Typographic requirements: stated fonts or font sizes, or particular emoji, so that the text reads well on any device or platform.",
    descriptionZh: "排版样式要求：使用指定的字体、字号或特定表情符号，使文本在各种设备和平台上都便于阅读。",
  },
  {
    key: "grammar_structure",
    name: "Grammar Structure",
    type: "Format",
    label: "语法结构约束",
    description: "Sentences follow stated grammatical patterns, such as subject-verb-object or subject-verb.",
    descriptionZh: "句子须遵循指定的语法结构，如主谓宾、主谓结构等。",
  },
  {
    key: "citation",
    name: "Citation",
    type: "Format",
    label: "引用和参考约束",
    description:
      "The response backs its content with citations of reliable sources or literature, in a stated citation or reference style.",
    descriptionZh: "回复须引用可靠的来源或文献作为依据，并遵循指定的引用格式或参考文献规范。",
  },
  {
    key: "numbering_and_list",
    name: "Numbering and List",
    type: "Format",
    label: "编号和列表约束",
    description: "Information is organised with numbered lists or bullet points.",
    descriptionZh: "须用编号列表或项目符号来组织信息。",
  },
  {
    key: "hierarchical_structure",
    name: "Hierarchical Structure",
    type: "Format",
    label: "层次化结构约束",
    description: "The response follows a stated hierarchy, such as headings and subheadings.",
    descriptionZh: "回复须按指定的层级结构组织，如使用标题和子标题。",
  },
  {
    key: "template",
    name: "Template",
    type: "Format",
    label: "模版约束",
    description:
      "The response follows a stated layout: text alignment, paragraph indentation, or a frame such as introduction-body-conclusion.",
    descriptionZh: "回复须遵循指定的版式，如文本对齐、段落缩进，或“引言-正文-结论”之类的结构模板。",
  },
  // Example
  {
    key: "positive_example",
    name: "Positive Example",
    type: "Example",
    label: "正例约束",
    description: "The instruction shows examples that meet its requirements; the response is modelled on them.",
    descriptionZh: "指令给出符合要求的示例，回复须参照这些示例生成。",
  },
  {
    key: "negative_example",
    name: "Negative Example",
    type: "Example",
    label: "负例约束",
    description: "The instruction shows examples that fail its requirements; the response must not resemble them.",
    descriptionZh: "指令给出不符合要求的示例，回复须避免生成与之相似的内容。",
  },
];
