// A full garbage collection on demand, for a worker that just let go of a large batch of work
// (the SQLite fold). V8 collects its old generation only when the heap reaches a limit it grows
// with the heap, so a thread that builds and drops tens of MB every few seconds held 60-120 MB
// where 25 MB were live (npm run bench's memory line); one collection after each fold, on a
// thread that runs below the event loop's priority, costs a few ms and keeps it near what lives.
// --expose-gc, set at run time, shows `gc` only in contexts made after it: hence the new context.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Collects the calling thread's whole heap now. */
export function collectGarbage(): void {
  gc();
}
