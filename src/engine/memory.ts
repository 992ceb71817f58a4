/**
 * Memory settings for training processes.
 *
 * The training step turns ORT's memory-pattern planning off by default, which alone brings the medium shape's peak
 * RSS below the peer's (11.5 vs 11.7 GiB) at full speed. The settings below go further, for tight machines.
 *
 * ORT's CPU arena grows in power-of-two regions and keeps its peak, which on training graphs costs ~1.25x the
 * PyTorch peer's peak RSS (medium shape: 14.5 vs 11.7 GiB). With the arena off (`memoryArena: false`) the peak drops
 * below the peer's (10.4 GiB), but glibc then returns freed blocks to the OS and every step page-faults its
 * activations back in (about 1.7x slower). Keeping glibc from trimming its heap restores most of the speed
 * (measured 37.9 s vs 33.0 s per medium step with the arena, at 10.5 GiB). glibc reads these variables only at
 * process start, so they go to a child process: `bench/engine-step.ts --arena off` measures that mode. The trainer
 * keeps the arena on, whose peak is already below the peer's once memory patterns are off.
 */

/** glibc malloc settings: never trim the heap; blocks up to 32 MiB come from the heap rather than mmap. */
export const TRAINING_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: "100000000000",
  MALLOC_MMAP_THRESHOLD_: "33554432",
  MALLOC_TOP_PAD_: "268435456",
};

/** The environment for a child process that trains with `memoryArena: false`. */
export function mallocEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...TRAINING_MALLOC_ENV };
}
