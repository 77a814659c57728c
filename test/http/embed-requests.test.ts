// The embed routes answer on node:http ahead of Fastify (src/http/embeds.ts): what Fastify
// did for them must still hold. Whom X-Forwarded-For is believed from (TRUST_PROXY), HEAD,
// lengths of multi-byte answers, other methods and paths, and the JSON errors.

import assert from "node:assert/strict";
import { request } from "node:http";
import { after, describe, it } from "node:test";
import { BROWSER_UA, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

const running: Running[] = [];
after(() => Promise.all(running.map((s) => s.close())));

async function start(env: Record<string, string> = {}): Promise<Running> {
  const s = await startApp(env);
  running.push(s);
  return s;
}

/** Two hits from the same socket address claiming different forwarded addresses. */
async function visitorsFromTwoForwardedAddresses(s: Running): Promise<number> {
  const c = await createCounter(s.url);
  await hit(s.url, c.id, "svg", { ip: "203.0.113.1" });
  await hit(s.url, c.id, "svg", { ip: "203.0.113.2" });
  return (await figures(s.url, c.id)).visitors;
}

/** A raw request, so HEAD's empty body and the exact Content-Length can be seen. */
function raw(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers: { "user-agent": BROWSER_UA } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("embed requests", () => {
  it("X-Forwarded-For is believed only from TRUST_PROXY addresses", async () => {
    assert.equal(await visitorsFromTwoForwardedAddresses(await start({ TRUST_PROXY: "1" })), 2);
    assert.equal(await visitorsFromTwoForwardedAddresses(await start({ TRUST_PROXY: "0" })), 1);
    // The test client connects from 127.0.0.1: a list without it ignores the header, one with it believes it.
    assert.equal(await visitorsFromTwoForwardedAddresses(await start({ TRUST_PROXY: "10.0.0.0/8" })), 1);
    assert.equal(await visitorsFromTwoForwardedAddresses(await start({ TRUST_PROXY: "10.0.0.0/8,127.0.0.1" })), 2);
  });

  it("HEAD answers the headers of GET without a body; Content-Length counts bytes, of text beyond ASCII too", async () => {
    const s = await start();
    const c = await createCounter(s.url, { label: "Besucher äöü 👀" });
    const get = await raw(s.url, "GET", `/c/${c.id}.svg?count=false`);
    assert.equal(get.status, 200);
    assert.equal(Number(get.headers["content-length"]), get.body.length);
    // Text beyond ASCII is sent as character references: it reads the same, and the picture's
    // length is its size in bytes (the server sends that length without measuring).
    const svg = get.body.toString("utf8");
    assert.ok(svg.includes("Besucher &#228;&#246;&#252; &#128064;"), svg);
    assert.ok(!/[\u0080-\u{10ffff}]/u.test(svg));
    const other = await raw(s.url, "GET", `/c/${c.id}.svg?count=false&label=${encodeURIComponent("größe ✓")}`);
    assert.equal(Number(other.headers["content-length"]), other.body.length);
    assert.ok(other.body.toString("utf8").includes("gr&#246;&#223;e &#10003;"));
    const head = await raw(s.url, "HEAD", `/c/${c.id}.svg?count=false`);
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers["content-length"], get.headers["content-length"]);
    assert.equal(head.headers["content-type"], get.headers["content-type"]);
    assert.equal(head.headers["x-hit-counted"], "0");
    assert.equal(head.headers["x-content-type-options"], "nosniff");
    // The server keeps Fastify's keep-alive (72 s), not Node's 5 s.
    assert.equal(get.headers["keep-alive"], "timeout=72");
  });

  it("HEAD never counts: link checkers and monitors send it, and no one sees a picture", async () => {
    const s = await start();
    const c = await createCounter(s.url);
    const head = await raw(s.url, "HEAD", `/c/${c.id}.svg`);
    assert.equal(head.status, 200);
    assert.equal(head.headers["x-hit-counted"], "0");
    assert.equal(head.headers["x-hit-reason"], "nocount");
    const get = await raw(s.url, "GET", `/c/${c.id}.svg`);
    assert.equal(get.headers["x-hit-counted"], "1");
    const json = JSON.parse((await raw(s.url, "GET", `/c/${c.id}.json?count=false`)).body.toString()) as {
      hits: number;
    };
    assert.equal(json.hits, 1);
  });

  it("other methods and deeper paths under /c/ are no embed: 404 JSON", async () => {
    const s = await start();
    const c = await createCounter(s.url);
    for (const [method, path] of [
      ["POST", `/c/${c.id}.svg`],
      ["DELETE", `/c/${c.id}.json`],
      ["GET", `/c/${c.id}/x.svg`],
      ["GET", `/c/%41${c.id}.svg`],
      ["GET", `/c/${"a".repeat(101)}.svg`],
    ] as const) {
      const r = await raw(s.url, method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(JSON.parse(r.body.toString()).error.code, "not_found");
    }
    assert.equal((await figures(s.url, c.id)).hits, 0);
  });

  it("bad options are a 400 naming the option, CORS-open on .json; no hit is counted", async () => {
    const s = await start();
    const c = await createCounter(s.url);
    const r = await hit(s.url, c.id, "json", { query: "digits=99" });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "bad_option");
    assert.match(body.error.message, /digits/);
    const twice = await hit(s.url, c.id, "svg", { query: "count=false&count=true" });
    assert.equal(twice.status, 400);
    assert.match(
      ((await twice.json()) as { error: { message: string } }).error.message,
      /count was given more than once/,
    );
    const unknown = await hit(s.url, c.id, "exe");
    assert.equal(unknown.status, 404);
    assert.equal((await figures(s.url, c.id)).hits, 0);
  });
});
