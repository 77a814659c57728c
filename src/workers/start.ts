// Starting worker threads on the server's TypeScript modules, and lowering their priority.
// The worker registers tsx's loader before it imports its module, as the main thread does with
// --import: Node 20 applies no --import hooks to a worker's entry module.

import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { Worker } from "node:worker_threads";

/** A worker running the module at `module` (a .ts file's URL) with `workerData`. */
export function startWorker(module: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Lowers the calling thread's scheduling priority by `steps` nice steps (Linux, where a
 * thread has its own nice value and /proc names it). Elsewhere, or where it is refused, the
 * thread keeps the process's priority.
 */
export function lowerPriority(steps: number): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, Math.min(19, getPriority(tid) + steps));
  } catch {
    // not Linux: the thread shares the core evenly
  }
}
