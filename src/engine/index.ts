/**
 * `iopo/engine`: the tensor engine under the model and the trainer (docs/design.md, section 2). `Graph` builds a
 * typed graph of ONNX operators with symbolic dims, `gradients` derives the backward graph when the graph is built
 * (reverse mode, with fused VJPs for the composite blocks), and `CompiledGraph` runs it on ONNX Runtime with a
 * session cache. Importing this entry loads `onnxruntime-node` (the other entries start it only when a model runs).
 *
 * @example
 * import { CompiledGraph, f32, Graph, gradients, releaseSessions } from "iopo/engine";
 *
 * const g = new Graph("sum_of_squares");
 * const x = g.input("x", "float32", ["N"]); // N is free: any length at run time
 * const y = g.reduceSum(g.mul(x, x), [0], false);
 * const [dx] = gradients(g, y, [x]); // 2x, as graph nodes
 * g.output("y", y);
 * g.output("dx", dx);
 * const compiled = await CompiledGraph.create(g, { threads: 1 });
 * const out = await compiled.run({ x: f32(Float32Array.of(1, 2, 3), [3]) });
 * console.log(out.y.data, out.dx.data); // Float32Array [14], Float32Array [2, 4, 6]
 * await releaseSessions();
 */
export { gradients, unbroadcast } from "./autodiff.js";
export { rmsNorm, swiglu, tokenLogprob } from "./blocks.js";
export {
  type AttrInput,
  broadcastShapes,
  type CustomGradient,
  type Dim,
  type DType,
  Graph,
  type GraphNode,
  OPSET,
  Value,
} from "./graph.js";
export { mallocEnv, TRAINING_MALLOC_ENV } from "./memory.js";
export {
  CompiledGraph,
  type EngineOptions,
  type FeedValue,
  f32,
  i64,
  type OptimizationLevel,
  type RunOutput,
  releaseSessions,
} from "./session.js";
