// A count nobody can fake, tried as an attacker would over HTTP: rotating user-agents from one
// address, fake image-proxy user-agents, an IPv6 /64, and a real image proxy's cap. Every
// request is a real image hit through TRUST_PROXY's X-Forwarded-For.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  // The defaults: 120 counted hits per address per counter per minute, 600 for a real proxy.
  // The clock stands in the middle of a minute: the caps are per wall-clock minute, and a
  // minute turning during a flood would give it a second allowance.
  const midMinute = Date.parse("2026-11-10T08:00:30Z");
  s = await startApp({}, { now: () => midMinute });
});
after(() => s.close());

/** Sends `n` image hits, `width` at a time; returns how many answered X-Hit-Counted: 1 and the reasons. */
async function flood(id: string, n: number, each: (i: number) => { ip: string; ua: string }, width = 25) {
  let counted = 0;
  const reasons = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const { ip, ua } = each(i);
      const r = await hit(s.url, id, "svg", { ip, ua });
      assert.equal(r.status, 200, `request ${i}`);
      await r.arrayBuffer();
      if (r.headers.get("x-hit-counted") === "1") counted++;
      const why = r.headers.get("x-hit-reason") ?? "";
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return { counted, reasons };
}

const browser = (i: number) => `Mozilla/5.0 (X11; Linux x86_64; rv:140.${i}) Gecko/20100101 Firefox/140.${i}`;

describe("a count nobody can fake", () => {
  it("2,000 hits from one address with rotating user-agents, fake camo ones among them, add at most the address cap", async () => {
    const c = await createCounter(s.url);
    const { counted, reasons } = await flood(c.id, 2000, (i) => ({
      ip: "203.0.113.9",
      ua: i % 2 === 0 ? browser(i) : `github-camo (${i.toString(16)})`,
    }));
    assert.equal(counted, 120);
    assert.equal((await figures(s.url, c.id)).hits, 120);
    // The fake camo ones are ordinary clients there, and isbot knows camo's name: bots.
    assert.equal(reasons.get("bot"), 1000);
    assert.equal(reasons.get("rate"), 880);
  });

  it("2,000 camo hits from inside GitHub's ranges count up to the proxy cap", async () => {
    const c = await createCounter(s.url);
    // Camo's user-agent varies per image; each variation is a new visitor hash.
    const { counted } = await flood(c.id, 2000, (i) => ({ ip: "140.82.115.9", ua: `github-camo (${i.toString(16)})` }));
    assert.equal(counted, 600);
    assert.equal((await figures(s.url, c.id)).hits, 600);
    // The cap is per proxy address: another camo address counts on.
    const more = await flood(c.id, 10, (i) => ({ ip: "140.82.115.10", ua: `github-camo (${i})` }));
    assert.equal(more.counted, 10);
  });

  it("IPv6 addresses in one /64 share a cap; another /64 has its own", async () => {
    const c = await createCounter(s.url);
    const one = await flood(c.id, 300, (i) => ({ ip: `2001:db8:aa:bb::${i.toString(16)}`, ua: browser(i) }));
    assert.equal(one.counted, 120);
    const other = await flood(c.id, 5, (i) => ({ ip: `2001:db8:aa:bc:1::${i + 1}`, ua: browser(i) }));
    assert.equal(other.counted, 5);
    assert.equal((await figures(s.url, c.id)).hits, 125);
  });

  it("the address cap is per counter: one address can still view many counters", async () => {
    const a = await createCounter(s.url);
    const b = await createCounter(s.url);
    const first = await flood(a.id, 130, (i) => ({ ip: "203.0.113.77", ua: browser(i) }));
    assert.equal(first.counted, 120);
    const second = await flood(b.id, 3, (i) => ({ ip: "203.0.113.77", ua: browser(i) }));
    assert.equal(second.counted, 3);
  });
});
