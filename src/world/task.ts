import { NULL_INPUT } from "../data/instruction.js";
import { type Category, categoryByPlural } from "./vocabulary.js";

/**
 * A world task: list things of one category, either freely ("List some fruits.") or picked from a pool given as
 * the instruction's input ("Pick some fruits from the input list." + input "apple, kiwi, ..."), which exercises
 * TRACE's `#Input:` handling. The task text is what TRACE calls the task description.
 */
export interface Task {
  category: Category;
  /** Index into TASK_FORMS. */
  form: number;
  /** Items the answer must come from (input tasks only). */
  pool?: string[];
}

/** Task sentences; `{c}` is the category's plural. The last form is the input task. */
const TASK_FORMS = [
  "List some {c}.",
  "Name a few {c}.",
  "Give me some examples of {c}.",
  "Pick some {c} from the input list.",
];
const INPUT_FORM = TASK_FORMS.length - 1;

export function renderTask(task: Task): string {
  return TASK_FORMS[task.form].replace("{c}", task.category.plural);
}

/** The task's input as TRACE stores it: the pool joined by ", ", or "NULL". */
export function renderTaskInput(task: Task): string {
  return task.pool ? task.pool.join(", ") : NULL_INPUT;
}

const FORM_REGEXES = TASK_FORMS.map((f) => new RegExp(`^${f.replace(".", "\\.").replace("{c}", "([a-z ]+?)")}`, "i"));

/**
 * Read a task sentence at the start of `text`; returns the task and the length consumed. `input` (the pool, or
 * NULL) is required for the input form and must be a list of the category's items.
 */
export function parseTaskPrefix(text: string, input?: string): { task: Task; length: number } | undefined {
  for (const [form, re] of FORM_REGEXES.entries()) {
    const m = re.exec(text);
    if (!m) continue;
    const category = categoryByPlural(m[1]);
    if (!category) continue;
    if (form !== INPUT_FORM) return { task: { category, form }, length: m[0].length };
    const pool = parsePool(input, category);
    if (!pool) return undefined;
    return { task: { category, form, pool }, length: m[0].length };
  }
  return undefined;
}

/** Whether `text` starts with the input task's sentence ("Pick some fruits from the input list."), pool or not. */
export function asksForInput(text: string): boolean {
  const m = FORM_REGEXES[INPUT_FORM].exec(text.trim());
  return m !== null && categoryByPlural(m[1]) !== undefined;
}

export function parseTask(text: string, input?: string): Task | undefined {
  const p = parseTaskPrefix(text.trim(), input);
  return p && p.length === text.trim().length ? p.task : undefined;
}

function parsePool(input: string | undefined, category: Category): string[] | undefined {
  if (input === undefined || input.trim() === "" || input.trim() === NULL_INPUT) return undefined;
  const pool = input.split(",").map((s) => s.trim().toLowerCase());
  return pool.every((p) => category.items.includes(p)) ? pool : undefined;
}

/** The items an answer to the task may use, in the world's preferred order. */
export function candidateItems(task: Task): readonly string[] {
  return task.pool ?? task.category.items;
}

export const TASK_FORM_COUNT = TASK_FORMS.length;
