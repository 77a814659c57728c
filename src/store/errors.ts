// The one error a store throws when it can't answer (database away, worker gone, disk
// failing): the same on every store, mapped to 503 "unavailable" at the HTTP boundary. A 500
// stays what it is: a bug.

export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`storage unavailable: ${message}`, options);
    this.name = "StoreUnavailable";
  }
}

/** `err` as a StoreUnavailable (itself, if it is one). */
export function unavailable(err: unknown): StoreUnavailable {
  if (err instanceof StoreUnavailable) return err;
  return new StoreUnavailable((err as Error)?.message ?? String(err), { cause: err });
}
