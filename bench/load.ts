// The load generator (run pinned to its own core): autocannon against one target, printing one
// JSON line of results. Every run uses the same generator and the same per-request setup, so
// the baseline pays the same client cost as hitcounter.
//   node --import tsx bench/load.ts URL[,URL…] IDS_FILE|- CONNECTIONS SECONDS [PATH_SUFFIX] [DISTINCT]
// DISTINCT (a number): send that many requests, each from a visitor never seen before (one of
// 50,000 addresses with a user-agent of its own, as a day's visitors are), instead of
// repeating 100,000 visitors for SECONDS (the memory bench). RATE (a number): at most that many
// requests a second. "{n}" in PATH_SUFFIX becomes the request's number (distinct pictures).
// With several URLs (several nodes), the connections are split evenly between them; hits/s and
// counts are summed, and the latency percentiles reported are the worst of the nodes'.

import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const [url = "", idsFile = "-", conns = "50", seconds = "10", suffix = ".svg", distinct = "0", rate = "0"] =
  process.argv.slice(2);
const amount = Number(distinct);
const numbered = suffix.includes("{n}");
const ids = idsFile === "-" ? ["x"] : readFileSync(idsFile, "utf8").trim().split("\n");
const VISITORS = 100_000;
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
let n = 0;

const urls = url.split(",");
const results = await Promise.all(
  urls.map((target) =>
    autocannon({
      url: target,
      connections: Math.max(1, Math.round(Number(conns) / urls.length)),
      ...(amount > 0 ? { amount: Math.ceil(amount / urls.length) } : { duration: Number(seconds) }),
      ...(Number(rate) > 0 ? { overallRate: Number(rate) } : {}),
      requests: [
        {
          setupRequest: (req) => {
            n++;
            const v = amount > 0 ? n % 50_000 : (n * 7919) % VISITORS;
            req.path = `/c/${ids[n % ids.length]}${numbered ? suffix.replace("{n}", String(n)) : suffix}`;
            req.headers = {
              "user-agent": amount > 0 ? `${UA} r${n}` : UA,
              "x-forwarded-for": `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`,
              referer: `https://site.example/page/${n % 50}`,
            };
            return req;
          },
        },
      ],
    }),
  ),
);

const sum = (f: (r: autocannon.Result) => number) => results.reduce((s, r) => s + f(r), 0);
const worst = (f: (r: autocannon.Result) => number) => Math.max(...results.map(f));
process.stdout.write(
  `${JSON.stringify({
    rps: sum((r) => r.requests.average),
    total: sum((r) => r.requests.total),
    ok: sum((r) => r["2xx"]),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    p50: worst((r) => r.latency.p50),
    p99: worst((r) => r.latency.p99),
  })}\n`,
);
