import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../llm/types.js";
import { WORLD_PROGRAMS } from "./programs/index.js";
import {
  contextFor,
  DEFAULT_WORLD_OPTIONS,
  promptHead,
  type Role,
  replyOf,
  WorldError,
  type WorldOptions,
  type WorldProgram,
} from "./programs/program.js";

/**
 * The constraint world as one ChatModel: it recognises which pipeline stage a request comes from by the prompt
 * template it was rendered from and lets that stage's program answer. Use it wherever an OpenAI-compatible
 * endpoint would go (`trace build`, `pairs dpo|iopo`): the requests, parsing, judging, rejects, journals and
 * summaries are exactly those of a run against a real API; only the answers come from the world.
 *
 * The role names the paper's model it stands in for (`world:constructor` for Qwen2-72B, `world:judge` for
 * GPT-4o) and goes into provenance; both roles answer every stage, as a single endpoint would.
 */
export class WorldChatModel implements ChatModel {
  readonly id: string;
  readonly model: string;
  readonly options: WorldOptions;
  /** Calls answered, per stage (for summaries and tests: a resumed run makes none). */
  readonly calls = new Map<string, number>();

  constructor(
    readonly role: Role = "constructor",
    options: Partial<WorldOptions> = {},
    private readonly programs: readonly WorldProgram[] = WORLD_PROGRAMS,
  ) {
    this.options = { ...DEFAULT_WORLD_OPTIONS, ...options };
    this.id = `world:${role}`;
    this.model = this.id;
  }

  /** The program and slot values for a request, or undefined when no world stage rendered it. */
  recognise(request: ChatRequest): { program: WorldProgram; slots: Record<string, string> } | undefined {
    for (const program of this.programs) {
      const slots = program.recognise(request);
      if (slots) return { program, slots };
    }
    return undefined;
  }

  async chat(request: ChatRequest, options?: ChatCallOptions): Promise<ChatResponse> {
    options?.signal?.throwIfAborted();
    const hit = this.recognise(request);
    if (!hit) {
      throw new WorldError(
        `${this.id}: unrecognised prompt (not rendered from any pipeline template the world knows): ${promptHead(request)}`,
      );
    }
    const text = hit.program.answer(hit.slots, contextFor(request, this.options));
    this.calls.set(hit.program.stage, (this.calls.get(hit.program.stage) ?? 0) + 1);
    return replyOf(this.model, request, text);
  }

  /** Total calls answered so far. */
  totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}
