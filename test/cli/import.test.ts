// hitcounter import and follow as a user runs them (bin/hitcounter), against the real server:
// a file streamed with its summary printed; a growing log followed through a rotation.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { authed, createCounter, type Running, startApp, tempDir } from "../helpers/server.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/hitcounter", import.meta.url).pathname;
const UA = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

const line = (ip: string, path: string) =>
  `${ip} - - [01/Oct/2026:10:00:00 +0000] "GET ${path} HTTP/1.1" 200 100 "-" "${UA}"\n`;

const hits = async (id: string, token: string) =>
  ((await (await fetch(`${s.url}/api/counters/${id}`, authed(token))).json()) as { hits: number }).hits;

it("import streams a file and prints the summary; the same file twice fails with 409", async () => {
  const c = await createCounter(s.url);
  const file = join(tempDir(), "access.log");
  writeFileSync(file, [line("203.0.113.1", "/a"), line("203.0.113.2", "/b"), "junk\n"].join(""));
  const env = { ...process.env, HITCOUNTER_URL: s.url, HITCOUNTER_TOKEN: c.token };
  const { stdout, stderr } = await run(BIN, ["import", c.id, file, "--format", "log"], { env });
  const out = JSON.parse(stdout);
  assert.deepEqual([out.read, out.imported, out.skipped], [3, 2, { malformed: 1 }]);
  assert.match(stderr, /3 lines in/);
  assert.equal(await hits(c.id, c.token), 2);
  await assert.rejects(run(BIN, ["import", c.id, file, "--format", "log"], { env }), /409/);
  assert.equal(await hits(c.id, c.token), 2);
  // A gzip file: its lines are counted unpacked, not as newline bytes of the packed file.
  const gz = join(tempDir(), "access.log.gz");
  writeFileSync(gz, gzipSync(Array.from({ length: 500 }, (_, i) => line("203.0.113.9", `/p${i}`)).join("")));
  const packed = await run(BIN, ["import", c.id, gz, "--format", "log"], { env });
  assert.equal(JSON.parse(packed.stdout).read, 500);
  assert.match(packed.stderr, /\| 500 lines \|/, "the progress bar counted the unpacked lines");
  assert.match(packed.stderr, /500 lines in/);
  assert.equal(await hits(c.id, c.token), 502);
});

it("follow picks up appended lines, a rename rotation and a truncation", async () => {
  const c = await createCounter(s.url);
  const dir = tempDir();
  const file = join(dir, "access.log");
  writeFileSync(file, line("198.51.100.1", "/old")); // there before: not counted
  const child = spawn(BIN, ["follow", c.id, file, "--interval-ms", "100"], {
    env: { ...process.env, HITCOUNTER_URL: s.url, HITCOUNTER_TOKEN: c.token },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const until = async (n: number) => {
    const end = Date.now() + 10_000;
    while ((await hits(c.id, c.token)) !== n) {
      assert.ok(Date.now() < end, `${await hits(c.id, c.token)} hits, waiting for ${n}; follow said: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let log = "";
  const ready = new Promise<void>((resolve) =>
    child.stderr.on("data", (d) => {
      log += d;
      if (log.includes("following")) resolve();
    }),
  );
  try {
    await ready;
    appendFileSync(file, line("198.51.100.2", "/a") + line("198.51.100.3", "/b"));
    await until(2);
    // logrotate: the file is renamed, a little more lands in it, then a new file takes its place.
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, line("198.51.100.4", "/c"));
    writeFileSync(file, line("198.51.100.5", "/d"));
    await until(4);
    appendFileSync(file, line("198.51.100.6", "/e"));
    await until(5);
    // copytruncate: emptied in place, then written again.
    writeFileSync(file, line("198.51.100.7", "/f"));
    await until(6);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await hits(c.id, c.token), 6, "nothing counted twice");
  } finally {
    child.kill();
  }
});
