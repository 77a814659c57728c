// Randomised hostile requests against the live server, written as raw bytes so nothing in a
// client library tidies them up: bad methods, paths, percent-encodings, invalid UTF-8, huge and
// duplicated headers, oversize and malformed bodies, absurd query options. The server must
// answer every one without a 5xx, not crash, not hang, and still count a known counter exactly.

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { XMLValidator } from "fast-xml-parser";
import {
  BROWSER_UA,
  createCounter,
  figures,
  freePort,
  hit,
  type Running,
  spawnServer,
  startApp,
  tempDir,
} from "../helpers/server.js";

const REQUESTS = 10_000;
const CONCURRENCY = 25;
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);

/** mulberry32: a small seeded generator, so a failure can be replayed with FUZZ_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number, ids: string[]) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const junk = (n: number) => bytes(n).toString("latin1");
  const id = () => pick([...ids, "nosuchcounter", "", "a", "%00", "..", "x".repeat(300), junk(8)]);

  const methods = [
    "GET",
    "GET",
    "GET",
    "POST",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "TRACE",
    "get",
    "FOO",
    "G\u0000T",
    "X".repeat(200),
  ];
  const optionValues = [
    "",
    "digits",
    "flat",
    "for-the-badge",
    "nope",
    "<script>alert(1)</script>",
    "%ZZ",
    "%",
    "-1",
    "1e309",
    "NaN",
    "99",
    "13",
    "0",
    "red",
    "#12345g",
    "both",
    "today",
    "lcd",
    "false",
    "true",
    "\u202e",
    "%C0%AE",
    "%FF%FE",
    "x".repeat(100),
  ];
  const optionNames = [
    "style",
    "label",
    "color",
    "labelColor",
    "show",
    "theme",
    "digits",
    "count",
    "v",
    "t",
    "__proto__",
    "constructor[prototype]",
    "a[b][c]",
    "",
    "%00",
  ];
  const query = () => {
    if (r() < 0.3) return "";
    if (r() < 0.05) return `?${Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&")}`;
    return `?${Array.from({ length: 1 + int(5) }, () => `${pick(optionNames)}=${pick(optionValues)}`).join("&")}`;
  };
  const path = () =>
    pick([
      () => `/c/${id()}.${pick(["svg", "png", "gif", "json", "exe", "", "svg.svg"])}${query()}`,
      () => `/c/${id()}${query()}`,
      () => `/api/counters/${id()}${pick(["", "/reset", "/stats", "/../../etc/passwd"])}`,
      () => "/api/counters",
      () => `/api/hit${query()}`,
      () => pick(["/", "/counter.js", "/healthz", "/metrics", "//c//x.svg", "/c/%2e%2e/%2e%2e/etc/passwd", "*"]),
      () => `/${junk(1 + int(40))}`,
      () => `/c/${"%".repeat(int(10))}${junk(3)}.svg`,
      () => `/${"a/".repeat(2000 + int(8000))}`,
    ])();
  const headerPool = () =>
    pick([
      () =>
        `User-Agent: ${pick([BROWSER_UA, "", "curl/8.0", "Googlebot/2.1", "github-camo (1234)", junk(20), "x".repeat(9000)])}`,
      () =>
        `Referer: ${pick(["https://example.com/a?b=c", "not a url", "javascript:alert(1)", `https://${junk(10)}/`, "http://", "https://x.com/".padEnd(5000, "a")])}`,
      () => `Origin: ${pick(["null", "https://example.com", junk(10), ""])}`,
      () =>
        `X-Forwarded-For: ${pick(["999.1.1.1", "::::", "1.2.3.4, 5.6.7.8", "", junk(12), Array(500).fill("10.0.0.1").join(",")])}`,
      () =>
        `Authorization: ${pick(["Bearer ", "Bearer x", `Bearer ${junk(40)}`, "Basic Zm9vOmJhcg==", "Bearer".padEnd(3000, "A")])}`,
      () =>
        `Content-Type: ${pick(["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", junk(10), "application/json; charset=utf-7"])}`,
      () => `X-Huge: ${"h".repeat(int(40_000))}`,
      () => `${junk(5)}: ${junk(5)}`,
      () => "Host: a\r\nHost: b",
      () => "Content-Length: 5\r\nContent-Length: 6",
      () => "Transfer-Encoding: chunked",
      () => `DNT: ${pick(["1", "0", "yes"])}`,
      () => `Accept-Encoding: ${pick(["gzip", "br", "*", junk(5)])}`,
    ])();
  const body = () =>
    pick([
      () => Buffer.alloc(0),
      () =>
        Buffer.from(JSON.stringify({ counter: id(), path: pick(["/", "x", "/".repeat(5000)]), referrer: junk(10) })),
      () =>
        Buffer.from(
          `{"label": "${junk(20)}", "origins": [${pick(["1", '"a"', "null", "{}"])}], "start": ${pick(["-1", "1e400", '"10"', "null", "9007199254740993"])}}`,
        ),
      () => Buffer.from('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'),
      () => Buffer.from(`${"[".repeat(5000)}${"]".repeat(5000)}`),
      () => Buffer.concat([Buffer.from('{"label": "'), Buffer.from([0xff, 0xfe, 0xc0, 0xae]), Buffer.from('"}')]),
      () => bytes(int(3000)),
      () => Buffer.alloc(20_000 + int(40_000), "a"),
      () => Buffer.from("5\r\nhello\r\nzz\r\nbad\r\n"),
    ])();

  // Two kinds, half each: well-formed HTTP with hostile content aimed at real counters and
  // routes (to reach the code behind the parser), and protocol-level junk.
  const wellFormed = (): [string, string] => {
    const target = pick(ids);
    const line = pick([
      () => `GET /c/${target}.${pick(["svg", "png", "json", "gif"])}${query()}`,
      () => `GET /c/${target}.svg?style=digits&theme=${pick(optionValues)}&digits=${pick(optionValues)}`,
      () => `GET /c/${target}.svg?label=${pick(optionValues)}&color=${pick(optionValues)}&show=${pick(optionValues)}`,
      () => `POST /api/hit${query()}`,
      () => `POST /api/counters`,
      () => `${pick(["GET", "PATCH", "DELETE"])} /api/counters/${target}`,
      () => `POST /api/counters/${target}/reset`,
    ])();
    return [line, "HTTP/1.1"];
  };
  return (): Buffer => {
    const b = body();
    const headers: string[] = [];
    for (let i = int(6); i > 0; i--) headers.push(headerPool());
    if (r() < 0.9) headers.push(`Content-Length: ${r() < 0.9 ? b.length : int(100_000)}`);
    const [start, version] =
      r() < 0.5
        ? wellFormed()
        : [`${pick(methods)} ${path()}`, pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", ""])];
    const line = `${start} ${version}`;
    return Buffer.concat([Buffer.from(`${line}\r\nHost: 127.0.0.1\r\n${headers.join("\r\n")}\r\n\r\n`, "latin1"), b]);
  };
}

/** Sends raw bytes, half-closes, and returns the status of the answer (0: closed without one). */
function send(port: number, payload: Buffer): Promise<{ status: number; hung: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let got = "";
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ status: 0, hung: true });
    }, 10_000);
    sock.on("data", (d) => {
      if (got.length < 64) got += d.toString("latin1");
    });
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, hung: false });
    });
    sock.end(payload);
  });
}

describe("fuzz", () => {
  it(`${REQUESTS} hostile requests: no 5xx, no crash, no hang, exact counts after`, async (ctx) => {
    const server = await spawnServer(
      { HITCOUNTER_DATA: tempDir(), TRUST_PROXY: "1", LOG_LEVEL: "warn", REQUEST_RATE_PER_MINUTE: "10000000" },
      freePort(),
    );
    const port = Number(new URL(server.url).port);
    try {
      const known = await createCounter(server.url);
      const target = await createCounter(server.url, { origins: ["example.com"] });
      const next = generator(SEED, [target.id]);
      const statuses = new Map<number, number>();
      let hung = 0;
      let sent = 0;
      let knownHits = 0;
      const worker = async (w: number) => {
        while (sent < REQUESTS) {
          const n = sent++;
          // Between the hostile requests, plain hits on the known counter from distinct visitors.
          if (n % 50 === 0) {
            const r = await hit(server.url, known.id, "svg", { ip: `10.9.${w}.${n % 250}` });
            assert.equal(r.headers.get("x-hit-counted"), "1");
            knownHits++;
          }
          const res = await send(port, next());
          if (res.hung) hung++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
      ctx.diagnostic(`seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
      assert.equal(fivexx, 0, `5xx answers:\n${server.output().slice(-3000)}`);
      assert.equal(hung, 0, "requests that hung");
      assert.equal(server.proc.exitCode, null, "the server is still running");
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await figures(server.url, known.id)).hits, knownHits);
    } finally {
      server.proc.kill("SIGKILL");
      await server.exited;
    }
  });
});

/** Every character class no text should hold, as percent-encoded UTF-8 (lone surrogates as the bytes a client could send). */
const BAD_CHARACTERS: [name: string, encoded: string, json: string][] = [
  ...Array.from({ length: 32 }, (_, c) => c)
    .filter((c) => c !== 9)
    .map((c): [string, string, string] => [
      `U+${c.toString(16).padStart(4, "0")}`,
      `%${c.toString(16).padStart(2, "0")}`,
      `\\u${c.toString(16).padStart(4, "0")}`,
    ]),
  ["DEL", "%7F", "\\u007f"],
  ["U+FFFE", "%EF%BF%BE", "\\ufffe"],
  ["U+FFFF", "%EF%BF%BF", "\\uffff"],
  ["lone high surrogate", "%ED%A0%80", "\\ud800"],
  ["lone low surrogate", "%ED%B0%80", "\\udc00"],
];

describe("every byte class on every route", () => {
  let s: Running;
  it("picture routes: 4xx naming the option, never 5xx; any SVG answered is well-formed XML", async () => {
    s = await startApp();
    try {
      const c = await createCounter(s.url);
      for (const [name, encoded] of BAD_CHARACTERS) {
        for (const route of [".svg", ".png", ".svg?style=digits&", ".png?style=for-the-badge&", ".json", ".gif"]) {
          const sep = route.includes("?") ? "" : "?";
          for (const option of ["label", "color", "labelColor", "style", "show", "theme", "digits"]) {
            const url = `${s.url}/c/${c.id}${route}${sep}${option}=a${encoded}b`;
            const r = await fetch(url, { headers: { "user-agent": BROWSER_UA } });
            const body = await r.text();
            assert.ok(r.status < 500, `${name} in ${option} on ${route}: ${r.status} ${body}`);
            if (r.status >= 400) assert.match(body, new RegExp(option), `${name}: the answer names ${option}`);
            if (r.status === 200 && (r.headers.get("content-type") ?? "").startsWith("image/svg")) {
              assert.equal(XMLValidator.validate(body), true, `${name} in ${option}: not well-formed XML`);
            }
          }
        }
      }
    } finally {
      await s.close();
    }
  });

  it("stored text: labels with them are 400; page paths and referrers with them are counted, cleaned", async () => {
    s = await startApp();
    try {
      const c = await createCounter(s.url);
      for (const [name, , json] of BAD_CHARACTERS) {
        const create = await fetch(`${s.url}/api/counters`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"label": "a${json}b"}`,
        });
        assert.equal(create.status, 400, `${name} in a label`);
        assert.match(await create.text(), /label/);
        const r = await fetch(`${s.url}/api/hit`, {
          method: "POST",
          headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, "x-forwarded-for": "192.0.2.1" },
          body: `{"counter": "${c.id}", "path": "/p${json}q", "referrer": "https://r.example/${json}"}`,
        });
        assert.equal(r.status, 200, `${name} in a path: ${await r.text()}`);
        assert.equal(r.headers.get("x-hit-counted"), "1", name);
      }
      const b = await fetch(`${s.url}/api/counters/${c.id}/breakdowns?dim=pages&limit=50`, {
        headers: { authorization: `Bearer ${c.token}` },
      });
      for (const row of ((await b.json()) as { pages: { value: string }[] }).pages) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
        assert.doesNotMatch(row.value, /[\u0000-\u001f\u007f\ufffe\uffff]/, JSON.stringify(row.value));
        assert.equal(row.value.isWellFormed(), true);
      }
    } finally {
      await s.close();
    }
  });
});
