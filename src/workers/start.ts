// Starting worker threads on the server's modules, and lowering their priority. The server
// runs either compiled (dist/, plain JavaScript: what `npm start` runs) or from its TypeScript
// sources under tsx (the tests of single modules, the CLI in development). Under tsx the worker
// registers tsx's loader before it imports its module, as the main thread does with --import:
// Node 20 applies no --import hooks to a worker's entry module.

import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { Worker } from "node:worker_threads";

/**
 * The URL of the worker module `name` (without extension) beside the module at `from` (its
 * import.meta.url), compiled or not as that module is.
 * @example workerModule("./fold-worker", import.meta.url)
 */
export function workerModule(name: string, from: string): URL {
  return new URL(`${name}${from.endsWith(".ts") ? ".ts" : ".js"}`, from);
}

/**
 * A worker running the module at `module` (from workerModule) with `workerData`.
 * `youngGenerationMb` caps the worker's young generation, for a thread that allocates fast but
 * keeps little: V8 otherwise grows it like the event loop's, to tens of MB per thread.
 */
export function startWorker(module: URL, workerData: unknown, youngGenerationMb?: number): Worker {
  const resourceLimits = youngGenerationMb ? { maxYoungGenerationSizeMb: youngGenerationMb } : undefined;
  if (!module.pathname.endsWith(".ts")) return new Worker(module, { workerData, resourceLimits });
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
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
