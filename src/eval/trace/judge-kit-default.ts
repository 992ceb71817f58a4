import type { TraceJudgeKit } from "./judge-kit.js";
import { sharedJudgeKit } from "./shared-judge-kit.js";

/** The judge kit `iopo eval trace` uses: the shared B.5 judge prompt and parser (src/judge) and taxonomy. */
export const defaultJudgeKit: TraceJudgeKit = sharedJudgeKit;
