/**
 * Execution of engine graphs with onnxruntime-node. Sessions are cached per (graph bytes, options) because session
 * creation takes seconds for deep models (docs/engine.md, gotcha 5). Inputs are passed zero-copy; only requested
 * outputs are fetched (every output is copied by the Node binding, docs/engine.md, gotcha 2).
 */
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";
import { sha256 } from "../util/hash.js";
import type { Graph } from "./graph.js";

export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface EngineOptions {
  /** Intra-op threads (default: the number of cores). */
  threads?: number;
  /** ORT graph optimisation level ("all" default; "disabled" is the fallback if the optimiser mis-rewrites a graph). */
  optimization?: OptimizationLevel;
  /** Execution providers passed through to ORT (default ["cpu"]; e.g. ["cuda", "cpu"] on a GPU build). */
  executionProviders?: string[];
  /**
   * Use ORT's CPU memory arena (default true). Off, tensors are malloc'ed and freed per run: a lower peak RSS for
   * training graphs, at some page-fault cost per run.
   */
  memoryArena?: boolean;
  /** ORT's memory-pattern planning (default true). */
  memoryPattern?: boolean;
  /** Write an ORT profile (chrome trace JSON) with this file prefix (diagnostics). */
  profilePrefix?: string;
}

export type FeedValue =
  | { dtype: "float32"; data: Float32Array; dims: number[] }
  | { dtype: "int64"; data: BigInt64Array; dims: number[] }
  | { dtype: "int32"; data: Int32Array; dims: number[] };

export interface RunOutput {
  data: Float32Array | BigInt64Array | Int32Array;
  dims: number[];
}

const cache = new Map<string, Promise<ort.InferenceSession>>();

function resolveOptions(o: EngineOptions = {}): Required<Omit<EngineOptions, "profilePrefix">> & EngineOptions {
  return {
    profilePrefix: o.profilePrefix,
    memoryArena: o.memoryArena ?? true,
    memoryPattern: o.memoryPattern ?? true,
    threads: o.threads ?? availableParallelism(),
    optimization: o.optimization ?? "all",
    executionProviders: o.executionProviders ?? ["cpu"],
  };
}

/** A compiled graph bound to an ORT session. */
export class CompiledGraph {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly inputNames: string[],
    readonly outputNames: string[],
  ) {}

  static async create(graph: Graph, options?: EngineOptions): Promise<CompiledGraph> {
    const bytes = graph.toOnnx();
    const o = resolveOptions(options);
    const key = `${sha256(Buffer.from(bytes))}|${o.threads}|${o.optimization}|${o.executionProviders.join(",")}|${o.profilePrefix ?? ""}|${o.memoryArena}|${o.memoryPattern}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = ort.InferenceSession.create(bytes, {
        intraOpNumThreads: o.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: o.optimization,
        executionProviders: o.executionProviders,
        executionMode: "sequential",
        enableCpuMemArena: o.memoryArena,
        enableMemPattern: o.memoryPattern,
        ...(o.profilePrefix ? { enableProfiling: true, profileFilePrefix: o.profilePrefix } : {}),
      });
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    const session = await pending;
    return new CompiledGraph(
      session,
      graph.inputs.map((v) => v.name),
      graph.outputs.map((v) => v.name),
    );
  }

  /** Stop profiling and return the profile file name (when created with profilePrefix). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  /** Run with named feeds; returns the requested outputs (all by default). */
  async run(feeds: Record<string, FeedValue>, fetch: string[] = this.outputNames): Promise<Record<string, RunOutput>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) {
      const f = feeds[name];
      if (!f) throw new Error(`missing graph input ${name}`);
      ortFeeds[name] = new ort.Tensor(f.dtype, f.data, f.dims);
    }
    const res = await this.session.run(ortFeeds, fetch);
    const out: Record<string, RunOutput> = {};
    for (const name of fetch) {
      const t = res[name]!;
      out[name] = { data: t.data as Float32Array | BigInt64Array | Int32Array, dims: [...t.dims] };
    }
    return out;
  }
}

/** Drop cached sessions (tests and long-running tools that switch models). */
export async function releaseSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    try {
      await (await p).release();
    } catch {
      // already released or failed to create
    }
  }
}

export function f32(data: Float32Array, dims: number[]): FeedValue {
  return { dtype: "float32", data, dims };
}

export function i64(data: ArrayLike<number> | BigInt64Array, dims: number[]): FeedValue {
  const arr = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data, (x) => BigInt(x)));
  return { dtype: "int64", data: arr, dims };
}
