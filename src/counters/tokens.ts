// Counter ids and admin tokens. Ids are short but drawn from a cryptographic source (72 bits)
// so counters can't be enumerated; tokens carry 256 bits, are shown once and stored only as
// a SHA-256 hash, and are compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A new counter id: 12 URL-safe characters, the first a letter or digit: an id starting with
 * "-" reads as an option on a command line (`hitcounter stats -1x…`).
 */
export function newId(): string {
  for (;;) {
    const id = randomBytes(9).toString("base64url");
    if (id[0] !== "-" && id[0] !== "_") return id;
  }
}

/** A new admin token: 43 URL-safe characters (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
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
