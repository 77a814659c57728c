// The load generator (run pinned to its own core): autocannon against one target, printing one
// JSON line of results. Every run uses the same generator and the same per-request setup, so
// the baseline pays the same client cost as hitcounter.
//   node --import tsx bench/load.ts URL IDS_FILE|- CONNECTIONS SECONDS [PATH_SUFFIX]

import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const [url = "", idsFile = "-", conns = "50", seconds = "10", suffix = ".svg"] = process.argv.slice(2);
const ids = idsFile === "-" ? ["x"] : readFileSync(idsFile, "utf8").trim().split("\n");
const VISITORS = 100_000;
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
let n = 0;

const result = await autocannon({
  url,
  connections: Number(conns),
  duration: Number(seconds),
  requests: [
    {
      setupRequest: (req) => {
        n++;
        const v = (n * 7919) % VISITORS;
        req.path = `/c/${ids[n % ids.length]}${suffix}`;
        req.headers = {
          "user-agent": UA,
          "x-forwarded-for": `10.${v >> 16}.${(v >> 8) & 255}.${v & 255}`,
          referer: `https://site.example/page/${n % 50}`,
        };
        return req;
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  })}\n`,
);
