// Privacy by design, checked on the bytes: after hits from a known address and user-agent,
// neither string appears anywhere in the data folder (database, journal, WAL files), while the
// journal still holds the hits and after shutdown, or in the server's log at the default level.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createCounter, freePort, hit, spawnServer, tempDir } from "../helpers/server.js";

const IP = "203.0.113.77";
const UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 PrivacyProbe/9.9.9";

/** Every file under the data folder, with its bytes as latin1 text. */
function filesIn(data: string): [string, string][] {
  return readdirSync(data, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(data, f)).isFile())
    .map((f) => [f, readFileSync(join(data, f)).toString("latin1")]);
}

function assertNothingAbout(files: [string, string][]): void {
  for (const [f, bytes] of files) {
    assert.ok(!bytes.includes(IP), `${f} holds the client address`);
    assert.ok(!bytes.includes("PrivacyProbe"), `${f} holds the user-agent`);
    assert.ok(!bytes.includes(UA.slice(0, 40)), `${f} holds the user-agent`);
  }
}

describe("privacy", () => {
  it("no raw client address or user-agent on disk or in the log", async () => {
    const data = tempDir();
    const server = await spawnServer({ HITCOUNTER_DATA: data, TRUST_PROXY: "1" }, freePort()); // default LOG_LEVEL
    const c = await createCounter(server.url, { dedupeSeconds: 0 });
    const headers = { "user-agent": UA, "x-forwarded-for": IP };
    for (const ext of ["svg", "png", "gif", "json"]) {
      const r = await hit(server.url, c.id, ext, { ua: UA, ip: IP, referer: "https://blog.example/post" });
      assert.equal(r.headers.get("x-hit-counted"), "1");
    }
    await fetch(`${server.url}/api/hit`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body: JSON.stringify({ counter: c.id, path: "/about", referrer: "https://search.example/?q=x" }),
    });
    // Refusals and errors get logged at most as codes, never with who asked.
    await fetch(`${server.url}/c/${c.id}.svg?color=notacolour`, { headers });
    await fetch(`${server.url}/c/nosuchcounter.svg`, { headers });
    await fetch(`${server.url}/api/counters/${c.id}`, { headers: { ...headers, authorization: "Bearer wrong" } });
    await fetch(`${server.url}/api/hit`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body: "{",
    });
    // Before the fold (every 10 s): the journal holds the hits, and their visitors' hashes.
    const running = filesIn(data);
    const journal = running.filter(([f]) => f.startsWith("journal"));
    assert.ok(
      journal.some(([, bytes]) => bytes.includes(c.id)),
      running.map(([f]) => f).join(", "),
    );
    assertNothingAbout(running);
    server.proc.kill("SIGTERM");
    assert.equal(await server.exited, 0);

    const files = filesIn(data);
    assert.ok(
      files.some(([f]) => f === "hitcounter.db"),
      files.map(([f]) => f).join(", "),
    );
    assertNothingAbout(files);
    const log = server.output();
    assert.ok(log.length > 0, "the server did log something (start-up at least)");
    assert.ok(!log.includes(IP), `the log holds the client address:\n${log}`);
    assert.ok(!log.includes("PrivacyProbe"), "the log holds the user-agent");
  });
});
