import { interimJudgeKit } from "./interim-judge-kit.js";
import type { TraceJudgeKit } from "./judge-kit.js";

/** The judge kit `iopo eval trace` uses. Switch to the shared src/judge + src/taxonomy kit once it is on main. */
export const defaultJudgeKit: TraceJudgeKit = interimJudgeKit;
