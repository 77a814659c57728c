// Reading the journal's segment files in sequence order (journal-log.ts writes them): a
// cursor per reader that goes on where the last read stopped, across segments, and past damage.
// A record damaged before the published end (a bad disk, a stray write) is reported through
// onDamage and skipped: reading goes on at the next valid record of the segment, or the next
// segment, so one bad record never blocks the fold of everything after it.

import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import type { JournalRecord } from "./journal-log.js";
import { findRecord, HEADER, recordAt } from "./journal-records.js";

const SEGMENT = /^(\d+)\.log$/;
let scratch = Buffer.allocUnsafe(64 * 1024);

export interface Cursor {
  /** The segment's file name's number: the seq of its first record. */
  first: number;
  fd: number;
  offset: number;
  /** The last seq read from this segment (first - 1 before any). */
  seq: number;
}

/** Segment first seqs in `dir`, oldest first. */
export function segmentsIn(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export function segmentPath(dir: string, first: number): string {
  return join(dir, `${String(first).padStart(16, "0")}.log`);
}

export class SegmentReader {
  private cursor: Cursor | undefined;

  constructor(
    private readonly dir: string,
    private readonly onDamage?: (from: number, to: number) => void,
  ) {}

  private segments(): number[] {
    return segmentsIn(this.dir);
  }

  private path(first: number): string {
    return segmentPath(this.dir, first);
  }

  close(): void {
    if (this.cursor) closeSync(this.cursor.fd);
    this.cursor = undefined;
  }

  /** Records after `after` up to `upTo` (at most `limit`), oldest first. */
  read(after: number, upTo: number, limit: number): JournalRecord[] {
    const out: JournalRecord[] = [];
    if (upTo <= after) return out;
    let c = this.cursor;
    if (!c || c.seq !== after) c = this.seek(after);
    while (c && out.length < limit && c.seq < upTo) {
      if (readRecords(c, upTo, limit - out.length, (seq, data) => out.push({ seq, data })) > 0) continue;
      // At the end of this segment: the next one, if the writer started it, begins right after.
      const next = c.seq + 1;
      const fd = c.offset >= fstatSync(c.fd).size && next !== c.first ? this.open(next) : undefined;
      if (fd !== undefined) {
        closeSync(c.fd);
        c = { first: next, fd, offset: 0, seq: next - 1 };
        continue;
      }
      // Everything up to `upTo` was published whole: a gap is damage, not a write in progress.
      const [cursor, lostTo] = this.skipDamage(c, upTo);
      c = cursor;
      if (lostTo >= next) out.push({ seq: lostTo, data: "" });
    }
    if (!c) {
      // No segment holds what was published after `after`.
      this.onDamage?.(after + 1, upTo);
      out.push({ seq: upTo, data: "" });
    }
    this.cursor = c;
    return out;
  }

  /**
   * The cursor stopped before `upTo` at bytes that are no valid next record: goes on at the
   * next valid record of this segment, or else at the next segment, and reports what lies
   * between as lost; returns the cursor and the last lost seq. With nothing valid after,
   * everything up to `upTo` is lost.
   */
  private skipDamage(c: Cursor, upTo: number): [Cursor, number] {
    const from = c.seq + 1;
    const lost = (to: number) => {
      if (to >= from) this.onDamage?.(from, to);
      return to;
    };
    const found = this.resync(c, upTo);
    if (found) {
      c.offset = found.offset;
      c.seq = found.seq - 1;
      return [c, lost(found.seq - 1)];
    }
    const later = this.segments().find((s) => s > from);
    if (later === undefined || later > upTo + 1) {
      // Nothing of this segment past the damage is read again.
      c.offset = fstatSync(c.fd).size;
      c.seq = upTo;
      return [c, lost(upTo)];
    }
    closeSync(c.fd);
    return [{ first: later, fd: openSync(this.path(later), "r"), offset: 0, seq: later - 1 }, lost(later - 1)];
  }

  /** The first whole, valid record after the cursor's offset with a seq up to `upTo`, if any. */
  private resync(c: Cursor, upTo: number): { offset: number; seq: number } | undefined {
    const size = fstatSync(c.fd).size;
    if (size <= c.offset + HEADER) return undefined;
    const chunk = Buffer.allocUnsafe(size - c.offset);
    const got = readSync(c.fd, chunk, 0, chunk.length, c.offset);
    const found = findRecord(chunk, got, c.seq, upTo);
    return found && { offset: c.offset + found.at, seq: found.seq };
  }

  /** The segment starting at seq `first`, open for reading, or undefined if there is none. */
  private open(first: number): number | undefined {
    try {
      return openSync(this.path(first), "r");
    } catch {
      return undefined;
    }
  }

  /** A cursor placed just after record `after`, or undefined if no segment holds what follows. */
  private seek(after: number): Cursor | undefined {
    if (this.cursor) closeSync(this.cursor.fd);
    this.cursor = undefined;
    const segs = this.segments();
    let first: number | undefined;
    for (const s of segs) if (s <= after + 1) first = s;
    first ??= segs[0];
    if (first === undefined) return undefined;
    const c: Cursor = { first, fd: openSync(this.path(first), "r"), offset: 0, seq: first - 1 };
    // Skip what was read before: records are in seq order within a segment.
    while (c.seq < after && readRecords(c, after, Number.MAX_SAFE_INTEGER, () => {}) > 0) {}
    return c;
  }
}

/**
 * Reads whole, valid records from the cursor on, up to seq `upTo` and `limit` records;
 * returns how many. Stops at a record cut short or failing its checksum. Reads the rest of
 * the segment at once: segments are a few MB, and the fold reads them to their end.
 */
export function readRecords(c: Cursor, upTo: number, limit: number, take: (seq: number, data: string) => void): number {
  const size = fstatSync(c.fd).size;
  if (size <= c.offset) return 0;
  // One buffer per thread, grown as needed and reused: a new one per read was megabytes of
  // garbage a second for the fold worker. Records leave it as strings, so reuse is safe.
  if (scratch.length < size - c.offset) scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(size - c.offset)));
  const chunk = scratch;
  const got = readSync(c.fd, chunk, 0, size - c.offset, c.offset);
  let at = 0;
  let n = 0;
  while (n < limit && c.seq < upTo) {
    const r = recordAt(chunk, got, at);
    if (!r || r.seq !== c.seq + 1) break;
    take(r.seq, r.body.toString("utf8"));
    c.seq = r.seq;
    c.offset += r.length;
    at += r.length;
    n++;
  }
  return n;
}
