// One journal record's bytes: [payload bytes u32][crc32 of seq and payload u32][seq f64], then
// the payload (UTF-8 JSON). Writing one into a buffer, checking one, and finding the next valid
// one after damage; journal-log.ts keeps the files.

import { crc32 } from "node:zlib";

export const HEADER = 16;

/** Writes record `seq` with `data` at the start of `buf` (room: HEADER + 3 bytes a character); returns its length. */
export function encodeRecord(buf: Buffer, seq: number, data: string): number {
  const n = buf.write(data, HEADER, "utf8");
  buf.writeDoubleLE(seq, 8);
  buf.writeUInt32LE(n, 0);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER, HEADER + n), crc32(buf.subarray(8, HEADER))), 4);
  return HEADER + n;
}

/**
 * The record at `at` in `chunk` (`got` bytes read) if it is whole and its checksum holds:
 * its seq, payload and length; undefined otherwise.
 */
export function recordAt(
  chunk: Buffer,
  got: number,
  at: number,
): { seq: number; body: Buffer; length: number } | undefined {
  if (at + HEADER > got) return undefined;
  const len = chunk.readUInt32LE(at);
  if (at + HEADER + len > got) return undefined;
  const seq = chunk.readDoubleLE(at + 8);
  const body = chunk.subarray(at + HEADER, at + HEADER + len);
  if (crc32(body, crc32(chunk.subarray(at + 8, at + HEADER))) !== chunk.readUInt32LE(at + 4)) return undefined;
  return { seq, body, length: HEADER + len };
}

/** The offset of the first valid record after byte 0 of `chunk` whose seq is in (after, upTo]. */
export function findRecord(
  chunk: Buffer,
  got: number,
  after: number,
  upTo: number,
): { at: number; seq: number } | undefined {
  for (let at = 1; at + HEADER <= got; at++) {
    const seq = chunk.readDoubleLE(at + 8);
    if (!Number.isInteger(seq) || seq <= after || seq > upTo) continue;
    const r = recordAt(chunk, got, at);
    if (r) return { at, seq };
  }
  return undefined;
}
