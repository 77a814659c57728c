// A client that trickles its request can't hold a socket: it is cut off after
// REQUEST_TIMEOUT_MS (and counted in /metrics) while everyone else is answered.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, it } from "node:test";
import { createCounter, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp({ REQUEST_TIMEOUT_MS: "1000" });
});
after(() => s.close());

it("a slow-body client is disconnected within the timeout while other requests are answered", async () => {
  const c = await createCounter(s.url);
  const { port } = new URL(s.url);
  const started = Date.now();
  const sock = connect(Number(port), "127.0.0.1");
  let received = "";
  sock.on("data", (d) => {
    received += d;
  });
  const closed = new Promise<number>((resolve) => sock.on("close", () => resolve(Date.now() - started)));
  sock.write(`POST /api/hit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n{`);
  // One byte every 200 ms: the connection never goes idle, the body never completes.
  const trickle = setInterval(() => sock.writable && sock.write(" "), 200);
  try {
    for (let i = 0; i < 5; i++) {
      const r = await hit(s.url, c.id);
      assert.equal(r.headers.get("x-hit-counted"), "1", "others are answered meanwhile");
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await closed;
    assert.ok(after < 3500, `cut off after ${after} ms`);
    assert.match(received, /^HTTP\/1\.1 408/);
  } finally {
    clearInterval(trickle);
    sock.destroy();
  }
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^hitcounter_requests_timed_out_total 1$/m);
});
