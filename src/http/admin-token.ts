// Comparing a presented secret with the configured one without telling, by timing, how much of
// it matched: both are hashed first, so the comparison is of equal lengths.

import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

export function safeEqual(given: string, expected: string): boolean {
  return given !== "" && timingSafeEqual(digest(given), digest(expected));
}
