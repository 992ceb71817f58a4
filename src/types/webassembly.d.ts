/**
 * The part of the WebAssembly JS API the project uses. Node 20 provides WebAssembly as a global, but
 * @types/node 20 does not declare it and the DOM lib would bring browser globals along.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  function validate(bytes: Uint8Array): boolean;
}
