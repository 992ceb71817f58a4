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
