// Counter ids and admin tokens. Ids are short but drawn from a cryptographic source (72 bits)
// so counters can't be enumerated; tokens carry 256 bits, are shown once and stored only as
// a SHA-256 hash, and are compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * `bytes` random bytes as URL-safe text whose first character is a letter or digit: text
 * starting with "-" reads as an option on a command line (`hitcounter stats -1x…`, or
 * `--token -Xy…`), about one draw in 32 otherwise.
 */
function commandLineSafe(bytes: number): string {
  for (;;) {
    const s = randomBytes(bytes).toString("base64url");
    if (s[0] !== "-" && s[0] !== "_") return s;
  }
}

/** A new counter id: 12 URL-safe characters, the first a letter or digit. */
export function newId(): string {
  return commandLineSafe(9);
}

/** A new admin token: 43 URL-safe characters (256 bits), the first a letter or digit. */
export function newToken(): string {
  return commandLineSafe(32);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Whether `token` is the one whose hash is `storedHash`, in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
