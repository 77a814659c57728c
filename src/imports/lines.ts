// Lines of a byte stream or buffer, with their numbers: blank lines are no lines, a line's
// "\r\n" end is dropped, and a line longer than MAX_LINE is passed as "" (skipped as
// malformed) without being held: no line can take the memory.

import type { Readable } from "node:stream";

export const MAX_LINE = 64 * 1024;

/**
 * Calls `fn` for each line of `buf` (complete lines), numbered from `first`, or by `numbers`
 * (one per line, when the lines are not consecutive: routeLines()).
 */
export function splitLines(
  buf: Buffer,
  first: number,
  fn: (text: string, n: number) => void,
  numbers?: Uint32Array,
): void {
  let n = first;
  let k = 0;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    if (end > start) {
      const number = numbers ? (numbers[k++] as number) : n++;
      fn(end - start > MAX_LINE ? "" : buf.toString("utf8", start, end), number);
    }
    start = nl + 1;
  }
}

/**
 * Shares the lines of `buf` (numbered from `first`) out to `parts` parts by their first field
 * (an access log's client address), so each address, and with it each visitor, is in one part
 * only. Answers each part's lines and their numbers.
 */
export function routeLines(buf: Buffer, first: number, parts: number): { buf: Buffer; numbers: Uint32Array }[] {
  const slices: Buffer[][] = Array.from({ length: parts }, () => []);
  const numbers: number[][] = Array.from({ length: parts }, () => []);
  let n = first;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    if (end > start) {
      let h = 0;
      for (let i = start; i < end && buf[i] !== 32; i++) h = (h * 31 + (buf[i] as number)) | 0;
      const p = (h >>> 0) % parts;
      (slices[p] as Buffer[]).push(buf.subarray(start, nl + 1));
      (numbers[p] as number[]).push(n++);
    }
    start = nl + 1;
  }
  return slices.map((s, p) => ({ buf: Buffer.concat(s), numbers: Uint32Array.from(numbers[p] as number[]) }));
}

/**
 * Cuts a stream into buffers of whole lines of about `size` bytes, each with the number of
 * its first line; a line longer than MAX_LINE is cut off (and becomes a malformed line).
 */
export async function* lineChunks(input: Readable, size = 1 << 20): AsyncGenerator<[Buffer, number]> {
  let parts: Buffer[] = [];
  let held = 0;
  let line = 1;
  const emit = (buf: Buffer): [Buffer, number] => {
    const out: [Buffer, number] = [buf, line];
    line += count(buf);
    return out;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    parts.push(chunk);
    held += chunk.length;
    if (held < size) continue;
    const all = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const cut = all.lastIndexOf(10) + 1;
    if (cut === 0) {
      // No line end in all that: keep only MAX_LINE of it, which splitLines takes as too long.
      if (all.length > MAX_LINE) parts = [all.subarray(0, MAX_LINE + 1)];
      else parts = [all];
      held = (parts[0] as Buffer).length;
      continue;
    }
    yield emit(all.subarray(0, cut));
    parts = cut < all.length ? [all.subarray(cut)] : [];
    held = all.length - cut;
  }
  if (held > 0) yield emit(Buffer.concat(parts));
}

/** Lines in `buf` as splitLines counts them (blank ones are none). */
function count(buf: Buffer): number {
  let n = 0;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    if (end > start) n++;
    start = nl + 1;
  }
  return n;
}
