// Reads an import from a stream of any size (gzip or plain): the file's SHA-256 as it arrives
// (the import's key unless one is given), its lines or CSV records fed to the format (a large
// access log on two threads: log-threads.ts), and the summary. Nothing is stored here: the
// caller stores the tally's figures in one transaction once the whole file was read, so a file
// is either imported whole or not at all.

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
import { lineChunks, MAX_LINE, splitLines } from "./lines.js";
import { LogThreads, THREADS_FROM } from "./log-threads.js";
import { type ImportSummary, newSummary, note } from "./summary.js";
import { ImportTally } from "./tally.js";

export const FORMATS = ["goatcounter", "log", "csv"] as const;
export type ImportFormat = (typeof FORMATS)[number];
export type { ImportSummary };

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
  const summary = newSummary();
  const sha = createHash("sha256");
  const plain = new PassThrough();
  const unpack = gunzipIfNeeded(body, sha, plain);
  if (format === "log") await Promise.all([unpack, readLog(plain, tally, summary, rules, timeZone)]);
  else {
    const reader = format === "goatcounter" ? new GoatCounterExport(tally) : new DailyCsv(tally);
    const csv = parse({ relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: MAX_LINE });
    const records = (async () => {
      for await (const r of csv as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        note(summary, r.info.lines, reader.record(r.record));
      }
    })();
    await Promise.all([unpack, pipeline(plain, csv).catch(csvError), records]);
  }
  return { summary, delta: tally.finish(), digest: sha.digest("hex") };
}

/** The first THREADS_FROM bytes on the event loop; the rest, if any, on the threads. */
async function readLog(
  input: Readable,
  tally: ImportTally,
  summary: ImportSummary,
  rules: LogRules,
  timeZone: string,
): Promise<void> {
  const log = new AccessLog(tally, rules);
  let bytes = 0;
  let threads: LogThreads | undefined;
  try {
    for await (const [buf, first] of lineChunks(input, 4 << 20)) {
      bytes += buf.length;
      if (bytes > THREADS_FROM) threads ??= new LogThreads(timeZone, rules, tally.seed, tally.visitorDays());
      if (threads) await threads.send(buf, first);
      else splitLines(buf, first, (text, n) => note(summary, n, log.line(text)));
    }
    await threads?.finish(tally, summary);
  } catch (err) {
    threads?.close();
    throw err;
  }
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
