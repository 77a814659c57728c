// Milestone webhooks over the real server, SQLite file and a real local receiver: each
// milestone arrives once with a signature that verifies; a receiver that is down gets it when
// it is back; kill -9 right after a crossing still delivers it after the restart; private
// addresses are refused when set and when sent.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, describe, it } from "node:test";
import { type Receiver, startReceiver, until } from "../helpers/receiver.js";
import {
  authed,
  createCounter,
  freePort,
  hit,
  type Running,
  spawnServer,
  startApp,
  tempDir,
} from "../helpers/server.js";

const running: { close(): Promise<void> }[] = [];
after(async () => {
  for (const r of running.reverse()) await r.close();
});

async function server(env: Record<string, string> = {}): Promise<Running> {
  const s = await startApp({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_RETRY_MS: "200", ...env });
  running.push(s);
  return s;
}

async function receiver(port = 0): Promise<Receiver> {
  const r = await startReceiver(port);
  running.push(r);
  return r;
}

const patch = (url: string, id: string, token: string, body: unknown) =>
  fetch(`${url}/api/counters/${id}`, { method: "PATCH", ...authed(token, body) });

/** Hits from distinct visitors; each must be counted. */
async function hits(url: string, id: string, n: number, from = 0) {
  for (let i = from; i < from + n; i++) {
    const r = await hit(url, id, "svg", { ip: `198.51.100.${i % 250}`, ua: `Mozilla/5.0 Firefox/${100 + i}` });
    assert.equal(r.headers.get("x-hit-counted"), "1");
  }
}

/** Stats reads fold the journal first: the crossings are recorded then, not on the next fold. */
const fold = (url: string, id: string, token: string) =>
  fetch(`${url}/api/counters/${id}/stats`, authed(token)).then((r) => r.arrayBuffer());

describe("milestone webhooks", () => {
  it("delivers each milestone exactly once, signed, with a unique delivery id", async () => {
    const s = await server();
    const rx = await receiver();
    const c = await createCounter(s.url, { label: "blog" });
    const set = await patch(s.url, c.id, c.token, { milestones: { url: rx.url, at: [3, 5], every: 10 } });
    assert.equal(set.status, 200);
    const body = (await set.json()) as { milestones: unknown; webhookSecret: string };
    assert.deepEqual(body.milestones, { url: rx.url, at: [3, 5], every: 10 });
    assert.match(body.webhookSecret, /^[A-Za-z0-9_-]{32}$/);
    // Shown once: a later change keeps the secret and does not show it again.
    const again = (await (
      await patch(s.url, c.id, c.token, { milestones: { url: rx.url, at: [5, 3], every: 10 } })
    ).json()) as {
      webhookSecret?: string;
    };
    assert.equal(again.webhookSecret, undefined);
    const got = await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token));
    assert.doesNotMatch(await got.text(), new RegExp(body.webhookSecret));

    await hits(s.url, c.id, 4); // crosses 3
    await fold(s.url, c.id, c.token);
    await hits(s.url, c.id, 8, 4); // 12: crosses 5 and 10
    await fold(s.url, c.id, c.token);
    await until("three deliveries", () => rx.got.length >= 3);
    await new Promise((r) => setTimeout(r, 1500)); // and no more
    const payloads = rx.got.map((g) => JSON.parse(g.body));
    assert.deepEqual(
      payloads.map((p) => p.milestone).sort((a, b) => a - b),
      [3, 5, 10],
    );
    for (const g of rx.got) {
      const p = JSON.parse(g.body);
      assert.equal(p.counter, c.id);
      assert.equal(p.label, "blog");
      assert.ok(p.hits >= p.milestone);
      assert.ok(!Number.isNaN(Date.parse(p.at)));
      assert.equal(g.headers["content-type"], "application/json");
      const want = `sha256=${createHmac("sha256", body.webhookSecret).update(g.body).digest("hex")}`;
      assert.equal(g.headers["x-hitcounter-signature"], want);
    }
    const ids = new Set(rx.got.map((g) => g.headers["x-hitcounter-delivery"]));
    assert.equal(ids.size, 3);
    const listed = (await (await fetch(`${s.url}/api/counters/${c.id}/milestones`, authed(c.token))).json()) as {
      deliveries: { status: string }[];
    };
    assert.deepEqual(
      listed.deliveries.map((d) => d.status),
      ["delivered", "delivered", "delivered"],
    );
  });

  it("retries while the receiver is down, shows the failure, and delivers when it is back", async () => {
    const s = await server();
    const port = freePort();
    const c = await createCounter(s.url);
    const url = `http://127.0.0.1:${port}/hook`;
    assert.equal((await patch(s.url, c.id, c.token, { milestones: { url, at: [2] } })).status, 200);
    await hits(s.url, c.id, 2);
    await fold(s.url, c.id, c.token);
    const state = async () =>
      (
        (await (await fetch(`${s.url}/api/counters/${c.id}/milestones`, authed(c.token))).json()) as {
          deliveries: { status: string; attempts: number; lastError: string | null }[];
        }
      ).deliveries[0];
    await until("two failed attempts", async () => ((await state())?.attempts ?? 0) >= 2);
    const failing = await state();
    assert.equal(failing?.status, "pending");
    assert.match(failing?.lastError ?? "", /ECONNREFUSED|connect/);
    const rx = await receiver(port);
    await until("delivered after the receiver came back", () => rx.got.length === 1, 15_000);
    assert.equal(JSON.parse(rx.got[0]?.body ?? "{}").milestone, 2);
    await until("recorded as delivered", async () => (await state())?.status === "delivered");
  });

  it("refuses private, loopback and link-local addresses and non-http URLs", async () => {
    const s = await server({ WEBHOOK_ALLOW_PRIVATE: "0" });
    const c = await createCounter(s.url);
    for (const url of [
      "http://127.0.0.1:9/hook",
      "http://localhost/hook",
      "http://10.1.2.3/",
      "http://192.168.0.10/",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/",
      "http://[fe80::1]/",
      "http://[::ffff:127.0.0.1]/",
      "ftp://example.com/",
      "javascript:alert(1)",
      "not a url",
    ]) {
      const r = await patch(s.url, c.id, c.token, { milestones: { url, at: [1] } });
      assert.equal(r.status, 400, url);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "bad_webhook", url);
    }
    assert.equal(await s.app.store.getMilestones(c.id), undefined);
  });

  it("re-checks the address when sending: a URL that now points at a private address is not sent to", async () => {
    const s = await server({ WEBHOOK_ALLOW_PRIVATE: "0" });
    const rx = await receiver();
    const c = await createCounter(s.url);
    // As if the name had resolved to a public address when it was set, and now resolves here.
    await s.app.store.setMilestones(c.id, { url: rx.url, at: [1], every: 0, secret: "x" });
    await hits(s.url, c.id, 1);
    await fold(s.url, c.id, c.token);
    const deliveries = async () =>
      (
        (await (await fetch(`${s.url}/api/counters/${c.id}/milestones`, authed(c.token))).json()) as {
          deliveries: { attempts: number; lastError: string | null }[];
        }
      ).deliveries;
    await until("an attempt", async () => ((await deliveries())[0]?.attempts ?? 0) >= 1);
    assert.match((await deliveries())[0]?.lastError ?? "", /private, loopback or link-local/);
    assert.equal(rx.got.length, 0);
  });

  it("a milestone crossed just before kill -9 is delivered after the restart", async () => {
    const rx = await receiver();
    const dataDir = tempDir();
    const env = { HITCOUNTER_DATA: dataDir, TRUST_PROXY: "1", WEBHOOK_ALLOW_PRIVATE: "1", LOG_LEVEL: "warn" };
    const port = freePort();
    let child = await spawnServer(env, port);
    const c = await createCounter(child.url);
    assert.equal((await patch(child.url, c.id, c.token, { milestones: { url: rx.url, at: [3] } })).status, 200);
    await hits(child.url, c.id, 3); // the third answer said counted: the crossing is committed
    child.proc.kill("SIGKILL");
    await child.exited;
    assert.equal(rx.got.length, 0, "not sent before the kill (the fold had not run)");
    child = await spawnServer(env, port);
    running.push({ close: async () => void child.proc.kill("SIGKILL") });
    await until("delivered after the restart", () => rx.got.length === 1, 15_000);
    const p = JSON.parse(rx.got[0]?.body ?? "{}");
    assert.deepEqual([p.counter, p.milestone, p.hits], [c.id, 3, 3]);
  });
});
