import type { IopoGroup } from "../schemas.js";
import type { PreferencePair, SftExample } from "./types.js";

/**
 * Token-equalised baselines from IOPO groups (paper figures 4-5; issue 5):
 * DPO* = the group's two DPO pairs on the same tokens: x1: y1 > y2 and x2: y2 > y1 (the "unpair" export too).
 */
export function groupToDpoPairs(g: IopoGroup): [PreferencePair, PreferencePair] {
  const id = (k: number) => (g.id !== undefined ? { id: `${g.id}#${k}` } : {});
  return [
    { ...id(1), prompt: g.x1.messages, chosen: g.y1, rejected: g.y2 },
    { ...id(2), prompt: g.x2.messages, chosen: g.y2, rejected: g.y1 },
  ];
}

/**
 * The group's two input preference pairs (the same response under two instructions; paper Table 4 "w/o Output
 * Pref", footnote 4): y1: x1 > x2 and y2: x2 > x1, i.e. (x1,y1) over (x2,y1) and (x2,y2) over (x1,y2).
 */
export function groupToInputPairs(g: IopoGroup): [PreferencePair, PreferencePair] {
  const id = (k: number) => (g.id !== undefined ? { id: `${g.id}#in${k}` } : {});
  return [
    { ...id(1), prompt: g.x1.messages, chosen: g.y1, rejected_prompt: g.x2.messages, rejected: g.y1 },
    { ...id(2), prompt: g.x2.messages, chosen: g.y2, rejected_prompt: g.x1.messages, rejected: g.y2 },
  ];
}

/** SFT* = the group's two matched pairs as SFT examples: {x1, y1} and {x2, y2}. */
export function groupToSftExamples(g: IopoGroup): [SftExample, SftExample] {
  const id = (k: number) => (g.id !== undefined ? { id: `${g.id}#${k}` } : {});
  return [
    { ...id(1), prompt: g.x1.messages, completion: g.y1 },
    { ...id(2), prompt: g.x2.messages, completion: g.y2 },
  ];
}

/** SFT on a pair's chosen response. */
export function pairToSftExample(p: PreferencePair): SftExample {
  return { ...(p.id !== undefined ? { id: p.id } : {}), prompt: p.prompt, completion: p.chosen };
}
