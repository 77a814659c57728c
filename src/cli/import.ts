// `hitcounter import ID FILE --format log|goatcounter|csv --token T`: streams a file (or "-",
// standard input) to POST /api/counters/{id}/import, with a progress bar (cli-progress) of
// lines, rate and time left, and prints the server's summary at the end. The file is sent as
// it is read (gzip files as they are: the server unpacks them), never held in memory.

import { createReadStream, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createGunzip, type Gunzip } from "node:zlib";
import cliProgress from "cli-progress";

type Env = Record<string, string | undefined>;

export async function importFile(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      format: { type: "string" },
      site: { type: "string" },
      static: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    allowPositionals: true,
  });
  const [id, file] = positionals;
  if (!id || !file || !values.format) {
    throw new Error("usage: hitcounter import ID FILE|- --format log|goatcounter|csv [--site HOST] --token TOKEN");
  }
  const base = (values.url ?? env.HITCOUNTER_URL ?? "http://localhost:8080").replace(/\/$/, "");
  const token = values.token ?? env.HITCOUNTER_TOKEN;
  const total = file === "-" ? 0 : statSync(file).size;
  const input = file === "-" ? process.stdin : createReadStream(file);

  const bar = new cliProgress.SingleBar(
    {
      format: total
        ? "{bar} {percentage}% | {lines} lines | {rate} lines/s | ETA {eta_formatted}"
        : "{lines} lines | {rate} lines/s",
      noTTYOutput: !values.quiet,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let lines = 0;
  let bytes = 0;
  if (!values.quiet) bar.start(total || 1, 0, { lines: 0, rate: 0 });
  const newlines = (b: Buffer) => {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
  };
  /** A gzip file's lines are counted in what it unpacks to; its bytes are sent as they are. */
  let unpacked: Gunzip | undefined;
  const counting = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (bytes === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
        unpacked = createGunzip();
        unpacked.on("data", newlines);
        unpacked.on("error", () => {}); // a damaged file: the server's answer says so
      }
      bytes += chunk.length;
      const sent = () => {
        const rate = Math.round(lines / Math.max(0.001, (Date.now() - started) / 1000));
        if (!values.quiet) bar.update(total ? bytes : 0, { lines, rate });
        done(null, chunk);
      };
      if (!unpacked) {
        newlines(chunk);
        sent();
      } else if (unpacked.destroyed) sent();
      // Sent on once unpacked: reading never runs ahead of the count.
      else unpacked.write(chunk, sent);
    },
    // The last lines come out of gunzip at its end.
    flush(done) {
      if (!unpacked || unpacked.destroyed) return done();
      unpacked.once("end", () => done());
      unpacked.once("error", () => done());
      unpacked.end();
    },
  });
  const query = new URLSearchParams({ format: values.format });
  if (values.site) query.set("site", values.site);
  if (values.static) query.set("static", "1");
  let answer: { status: number; text: string };
  try {
    answer = await post(`${base}/api/counters/${id}/import?${query}`, token, input.pipe(counting));
  } finally {
    if (!values.quiet) bar.stop();
  }
  const out = JSON.parse(answer.text) as { error?: { message: string }; read?: number };
  if (answer.status !== 200) throw new Error(`${answer.status}: ${out.error?.message ?? "failed"}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify(out, null, 2));
  // The server's count of lines read is the exact one.
  lines = out.read ?? lines;
  console.error(`${lines} lines in ${seconds.toFixed(1)} s (${Math.round(lines / Math.max(seconds, 0.001))} lines/s)`);
}

/**
 * Streams `body` as a POST with node:http, which waits for the socket to drain before it reads
 * on: fetch (undici) held a whole 190 MB log in memory ahead of a slower server.
 */
function post(url: string, token: string | undefined, body: Readable): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    pipeline(body, req).catch(reject);
  });
}
