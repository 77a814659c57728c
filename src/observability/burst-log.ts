// Logging a failure that repeats (a batch that can't commit while the database is away, a
// refresh that fails every second) once per burst, not once per occurrence: the first is
// logged, then one line a minute at most with how many came meanwhile, and the next one after
// things went right again is logged at once.

const QUIET_MS = 60_000;

export function burstLog(
  log: (message: string, err: unknown) => void,
  what: string,
  now: () => number = Date.now,
): { failed(err: unknown): void; ok(): void } {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let since = 0;
  let failing = false;
  return {
    failed(err) {
      since++;
      const t = now();
      if (failing && t - lastLogged < QUIET_MS) return;
      log(since > 1 ? `${what} (${since} times since the last report)` : what, err);
      lastLogged = t;
      since = 0;
      failing = true;
    },
    ok() {
      failing = false;
      since = 0;
    },
  };
}
