// Reads an import from a stream of any size (gzip or plain): the file's SHA-256 as it arrives
// (the import's key unless one is given), its lines or CSV records fed to the format, and the
// summary {read, imported, skipped: {reason: n}, errors: [{line, reason}]}. Nothing is stored
// here: the caller stores the tally's figures in one transaction once the whole file was read,
// so a file is either imported whole or not at all.

import { createHash } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { badRequest } from "../errors.js";
import type { CounterDelta } from "../store/store.js";
import { AccessLog, type LogRules } from "./formats/access-log.js";
import { DailyCsv } from "./formats/daily-csv.js";
import { GoatCounterExport } from "./formats/goatcounter.js";
import { ImportTally } from "./tally.js";

export const FORMATS = ["goatcounter", "log", "csv"] as const;
export type ImportFormat = (typeof FORMATS)[number];

/** Longer lines (or CSV records) are skipped as "too_long": no line can take the memory. */
export const MAX_LINE = 64 * 1024;
/** Skipped lines reported one by one (with their number); the rest only counted. */
const MAX_ERRORS = 20;

export interface ImportSummary {
  read: number;
  imported: number;
  skipped: Record<string, number>;
  errors: { line: number; reason: string }[];
}

export interface ImportResult {
  summary: ImportSummary;
  delta: CounterDelta;
  /** Hex SHA-256 of the bytes as sent (before any gunzip). */
  digest: string;
}

export async function readImport(
  body: Readable,
  format: ImportFormat,
  timeZone: string,
  rules: LogRules,
): Promise<ImportResult> {
  const tally = new ImportTally(timeZone);
  const summary: ImportSummary = { read: 0, imported: 0, skipped: {}, errors: [] };
  const note = (line: number, reason: string | undefined) => {
    if (reason === "header") return;
    summary.read++;
    if (reason === undefined) {
      summary.imported++;
      return;
    }
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
    if (reason !== "bot" && reason !== "static" && summary.errors.length < MAX_ERRORS) {
      summary.errors.push({ line, reason });
    }
  };
  const sha = createHash("sha256");
  const plain = new PassThrough();
  const unpack = gunzipIfNeeded(body, sha, plain);
  if (format === "log") {
    const log = new AccessLog(tally, rules);
    await Promise.all([unpack, eachLine(plain, (text, n) => note(n, log.line(text)))]);
  } else {
    const reader = format === "goatcounter" ? new GoatCounterExport(tally) : new DailyCsv(tally);
    const csv = parse({ relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: MAX_LINE });
    const records = (async () => {
      for await (const r of csv as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        note(r.info.lines, reader.record(r.record));
      }
    })();
    await Promise.all([unpack, pipeline(plain, csv).catch(csvError), records]);
  }
  return { summary, delta: tally.finish(), digest: sha.digest("hex") };
}

function csvError(err: Error & { code?: string; lines?: number }): never {
  throw badRequest("bad_import", `line ${err.lines ?? "?"}: ${err.message.slice(0, 200)}`);
}

/** Pipes `body` into `out`, through gunzip when it starts with gzip's magic bytes; hashes the raw bytes. */
async function gunzipIfNeeded(body: Readable, sha: ReturnType<typeof createHash>, out: PassThrough): Promise<void> {
  const chunks = (async function* () {
    for await (const c of body as AsyncIterable<Buffer>) {
      sha.update(c);
      yield c;
    }
  })();
  const first = await chunks.next();
  const head = first.done ? undefined : first.value;
  const source = Readable.from(
    (async function* () {
      if (head) yield head;
      yield* chunks;
    })(),
  );
  try {
    if (head && head[0] === 0x1f && head[1] === 0x8b) await pipeline(source, createGunzip(), out);
    else await pipeline(source, out);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith("Z_")) throw badRequest("bad_import", "the gzip data is damaged");
    throw err;
  }
}

/** Calls `fn` for each line (without its end) with its number; over-long lines are skipped. */
async function eachLine(input: Readable, fn: (text: string, n: number) => void): Promise<void> {
  let carry: Buffer | undefined;
  let n = 0;
  let tooLong = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      n++;
      const part = carry ? Buffer.concat([carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
      carry = undefined;
      if (tooLong || part.length > MAX_LINE)
        fn("", n); // "malformed": cut at MAX_LINE
      else {
        const end = part.length > 0 && part[part.length - 1] === 13 ? part.length - 1 : part.length;
        if (end > 0) fn(part.toString("utf8", 0, end), n);
        else n--; // blank lines are no lines
      }
      tooLong = false;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
      if (carry.length > MAX_LINE) {
        tooLong = true;
        carry = undefined;
      }
    }
  }
  if (carry && carry.length > 0 && !tooLong) fn(carry.toString("utf8"), ++n);
}
