import { NULL_INPUT, renderInstruction } from "../data/instruction.js";
import { type Constraint, parseConstraint, parseConstraintAt, renderConstraint } from "./constraint.js";
import { parseTask, parseTaskPrefix, renderTask, renderTaskInput, type Task } from "./task.js";

/**
 * A world instruction: a task plus constraints (plus the task's input). It has the three textual forms the
 * pipeline passes around, each with a renderer and a parser:
 *  - prose: how a user (or the B.1 expander) writes it: "List some fruits. List exactly 3 items. ...", with the
 *    input on a final "Input: ..." line;
 *  - structured: TRACE's description / constraint lines / input (B.2 output, `constraints_splits`);
 *  - rendered: the user message of the response stage (`renderInstruction`, the released set's `messages`).
 */
export interface WorldInstruction {
  task: Task;
  constraints: Constraint[];
}

const INPUT_LINE = /\n+Input:[ \t]*(.*)\s*$/;

export function renderProse(ins: WorldInstruction): string {
  const body = [renderTask(ins.task), ...ins.constraints.map(renderConstraint)].join(" ");
  return ins.task.pool ? `${body}\nInput: ${renderTaskInput(ins.task)}` : body;
}

/** Read the prose form; undefined when any part is not world language. */
export function parseProse(text: string): WorldInstruction | undefined {
  const m = INPUT_LINE.exec(text);
  const body = (m ? text.slice(0, m.index) : text).trim();
  const start = parseTaskPrefix(body, m?.[1]);
  if (!start) return undefined;
  const constraints: Constraint[] = [];
  let pos = start.length;
  for (;;) {
    while (pos < body.length && /\s/.test(body[pos])) pos++;
    if (pos >= body.length) break;
    const c = parseConstraintAt(body, pos);
    if (!c) return undefined;
    constraints.push(c.constraint);
    pos += c.length;
  }
  return { task: start.task, constraints };
}

export interface StructuredForm {
  description: string;
  constraints_splits: string[];
  input: string;
}

/** TRACE's structured fields; constraint lines are numbered "1. ..." as the B.2 format asks. */
export function toStructured(ins: WorldInstruction): StructuredForm {
  return {
    description: renderTask(ins.task),
    constraints_splits: ins.constraints.map((c, i) => `${i + 1}. ${renderConstraint(c)}`),
    input: renderTaskInput(ins.task),
  };
}

export function fromStructured(s: StructuredForm): WorldInstruction | undefined {
  const task = parseTask(s.description, s.input);
  if (!task) return undefined;
  const constraints = s.constraints_splits.map(parseConstraint);
  if (constraints.some((c) => c === undefined)) return undefined;
  return { task, constraints: constraints as Constraint[] };
}

/** The user message of the response stage. */
export function renderUserMessage(ins: WorldInstruction): string {
  const s = toStructured(ins);
  return renderInstruction(s.description, s.constraints_splits, s.input);
}

function splitUserMessage(text: string): StructuredForm | undefined {
  const at = text.indexOf("\n# Inputs:\n");
  const head = at < 0 ? text : text.slice(0, at);
  const input = at < 0 ? NULL_INPUT : text.slice(at + "\n# Inputs:\n".length).trim();
  const lines = head.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return undefined;
  return { description: lines[0].trim(), constraints_splits: lines.slice(1), input };
}

/** Read a user message rendered by `renderInstruction` (first line the task, then constraint lines, `# Inputs:`). */
export function parseUserMessage(text: string): WorldInstruction | undefined {
  const s = splitUserMessage(text);
  return s && fromStructured(s);
}

/**
 * Like parseUserMessage, but constraint lines that are not world language are set aside instead of failing the
 * whole message (a responder follows the constraints it understands). Undefined only when the task is not a
 * world task.
 */
export function parseUserMessageLenient(text: string): { ins: WorldInstruction; unknown: string[] } | undefined {
  const s = splitUserMessage(text);
  const task = s && parseTask(s.description, s.input);
  if (!s || !task) return undefined;
  const parsed = s.constraints_splits.map((line) => ({ line, c: parseConstraint(line) }));
  return {
    ins: { task, constraints: parsed.flatMap((p) => (p.c ? [p.c] : [])) },
    unknown: parsed.flatMap((p) => (p.c ? [] : [p.line])),
  };
}
