import { expanderProgram } from "./expander.js";
import type { WorldProgram } from "./program.js";
import { completenessProgram, consistencyProgram, faithfulnessProgram, redundancyProgram } from "./quality-judges.js";
import { responderProgram } from "./responder.js";
import { ruleJudgeProgram } from "./rule-judge.js";
import { structurerProgram } from "./structurer.js";
import { worseAnswerProgram } from "./worse-answer.js";
import { x2EditorProgram } from "./x2-editor.js";

/** Every world program, in the order the facade tries them (templates are disjoint, so order is not a priority). */
export const WORLD_PROGRAMS: readonly WorldProgram[] = [
  expanderProgram,
  structurerProgram,
  completenessProgram,
  redundancyProgram,
  faithfulnessProgram,
  consistencyProgram,
  responderProgram,
  ruleJudgeProgram,
  worseAnswerProgram,
  x2EditorProgram,
];
