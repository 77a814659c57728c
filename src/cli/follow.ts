// `hitcounter follow ID LOGFILE --token T`: counts a site from its access log as it grows, so
// a static site needs no embed. Every --interval-ms (1 s) it reads the complete lines added
// since the last look and sends them as one import (format log). It survives logrotate: a
// file renamed away is read to its end before the new file at the path is followed from its
// start, and a file truncated in place (copytruncate) is followed from its start again.
// Each batch's key is the file's inode, offset and a hash of its lines, so a batch sent again
// after a failure is counted once. It starts at the end of the file (--from-start: its start).

import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { parseArgs } from "node:util";

type Env = Record<string, string | undefined>;

const MAX_BATCH = 8 << 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function follow(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      site: { type: "string" },
      "from-start": { type: "boolean" },
      "interval-ms": { type: "string" },
    },
    allowPositionals: true,
  });
  const [id, path] = positionals;
  if (!id || !path) throw new Error("usage: hitcounter follow ID LOGFILE [--site HOST] [--from-start] --token TOKEN");
  const base = (values.url ?? env.HITCOUNTER_URL ?? "http://localhost:8080").replace(/\/$/, "");
  const token = values.token ?? env.HITCOUNTER_TOKEN;
  const every = Number(values["interval-ms"] ?? 1000);

  const send = async (lines: Buffer, key: string): Promise<void> => {
    const q = new URLSearchParams({ format: "log", key });
    if (values.site) q.set("site", values.site);
    for (;;) {
      try {
        const res = await fetch(`${base}/api/counters/${id}/import?${q}`, {
          method: "POST",
          headers: { "content-type": "text/plain", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: new Uint8Array(lines),
        });
        const out = (await res.json()) as { imported?: number; read?: number; error?: { message: string } };
        // 409: sent before (its answer was lost): counted once already.
        if (res.ok || res.status === 409) {
          if (res.ok) console.error(`${new Date().toISOString()} ${out.read} lines, ${out.imported} counted`);
          return;
        }
        if (res.status < 500 && res.status !== 429 && res.status !== 408) {
          throw new Error(`${res.status}: ${out.error?.message ?? res.statusText}`);
        }
      } catch (err) {
        if ((err as Error).message.match(/^\d{3}:/)) throw err;
      }
      await sleep(Math.max(every, 1000)); // the server is away or busy: the same batch again
    }
  };

  let fd = openSync(path, "r");
  let ino = fstatSync(fd).ino;
  let offset = values["from-start"] ? 0 : fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(MAX_BATCH);
  console.error(`following ${path} from byte ${offset}`);
  /** Sends the complete lines from `offset` on; returns whether anything was read. */
  const drain = async (): Promise<boolean> => {
    const size = fstatSync(fd).size;
    if (size < offset) offset = 0; // truncated in place
    if (size === offset) return false;
    const n = readSync(fd, buf, 0, Math.min(MAX_BATCH, size - offset), offset);
    const end = buf.lastIndexOf(10, n - 1) + 1;
    if (end === 0) return false; // no complete line yet
    const lines = Buffer.from(buf.subarray(0, end));
    const key = `follow:${ino}:${offset}:${createHash("sha256").update(lines).digest("hex").slice(0, 16)}`;
    await send(lines, key);
    offset += end;
    return true;
  };
  for (;;) {
    while (await drain()) {}
    let now: number | undefined;
    try {
      now = statSync(path).ino;
    } catch {
      now = undefined; // renamed away, the new file not there yet
    }
    if (now !== undefined && now !== ino) {
      // Rotated: read what the old file got since the last look, then the new one from its start.
      while (await drain()) {}
      closeSync(fd);
      fd = openSync(path, "r");
      ino = fstatSync(fd).ino;
      offset = 0;
      continue;
    }
    await sleep(every);
  }
}
